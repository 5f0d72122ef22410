import { describe, expect, it } from "vitest";
import type { CanarySpec } from "./canary.ts";
import { fieldUses, ignoredFields, ignoredMessage } from "./ignored-fields.ts";

const base = {
  targetRef: { kind: "Deployment", name: "podinfo" },
  service: { port: 9898 },
  analysis: { interval: "1m", threshold: 2, stepWeight: 10 },
} as CanarySpec;

const withService = (service: Partial<CanarySpec["service"]>): CanarySpec => ({
  ...base,
  service: { ...base.service, ...service },
});

describe("fields a Canary's routers ignore", () => {
  it("names Istio's trafficPolicy on Gloo, with the provider in the message", () => {
    const ignored = ignoredFields(
      withService({ trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } }),
      ["gloo"],
    );
    expect(ignored).toEqual([
      { path: "spec.service.trafficPolicy", for: "Istio" },
    ]);
    expect(ignoredMessage(ignored, ["gloo"])).toBe(
      "spec.service.trafficPolicy (Istio) ignored on provider gloo: kept in the object, no effect here",
    );
  });

  it("a Gateway API field is read when any of the routers is Gateway API", () => {
    const spec = withService({
      gatewayRefs: [{ name: "gw" }],
      hosts: ["a.example"],
    });
    expect(ignoredFields(spec, ["gloo"]).map((f) => f.path)).toEqual([
      "spec.service.gatewayRefs",
      "spec.service.hosts",
    ]);
    expect(ignoredFields(spec, ["gloo", "gatewayapi:v1"])).toEqual([]);
    expect(ignoredFields(spec, ["gatewayapi:v1beta1"])).toEqual([]);
  });

  it("empty values, false and absent fields are not reported", () => {
    const spec = withService({ backends: [], delegation: false, headers: {} });
    expect(ignoredFields(spec, ["kubernetes"])).toEqual([]);
  });

  it("reports Istio's sourceLabels inside an A/B match, and upstreamRef off Gloo", () => {
    const spec: CanarySpec = {
      ...base,
      upstreamRef: { name: "podinfo" },
      analysis: { ...base.analysis, match: [{ sourceLabels: { app: "x" } }] },
    };
    expect(ignoredFields(spec, ["gatewayapi:v1"]).map((f) => f.path)).toEqual([
      "spec.upstreamRef",
      "spec.analysis.match[].sourceLabels",
    ]);
  });

  it("every path in the table is a field of the Canary schema", async () => {
    const { canarySpecSchema } = await import("./canary.ts");
    for (const use of fieldUses) {
      let schema = canarySpecSchema.openapi;
      for (const part of use.path.split(".")) {
        schema = schema.properties?.[part] ?? (undefined as never);
        expect(schema, use.path).toBeDefined();
      }
    }
  });
});
