import { describe, expect, it } from "vitest";
import { resolveCanarySpec } from "../api/resolve.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import { renderTemplateQuery } from "./template.ts";

const resolved = resolveCanarySpec(
  { ...seedCanarySpec(), service: { port: 9898, name: "podinfo-svc" } },
  {
    namespace: "apps",
    knownProviders: ["gloo"],
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 1000,
  },
);
if (!resolved.ok) throw new Error("fixture must resolve");
const spec = resolved.spec;
const metric = {
  name: "errors",
  intervalMs: 90_000,
  templateVariables: { code: "5.." },
  minRequests: 0,
  dryRun: false,
};
const ctx = {
  canaryName: "podinfo",
  namespace: "apps",
  spec,
  metric,
  templateName: "apps/error-rate",
};

describe("renderTemplateQuery", () => {
  it("fills every placeholder Flagger defines", () => {
    const query =
      'rate(x{ns="{{ namespace }}",c="{{name}}",t="{{ target }}",s="{{ service }}",code=~"{{ variables.code }}"}[{{ interval }}])';
    expect(renderTemplateQuery(query, ctx)).toBe(
      'rate(x{ns="apps",c="podinfo",t="podinfo",s="podinfo-svc",code=~"5.."}[90s])',
    );
  });
  it("names a missing variable and where to add it", () => {
    expect(() => renderTemplateQuery("x{{ variables.region }}", ctx)).toThrow(
      "MetricTemplate apps/error-rate uses {{ variables.region }} but metric errors sets no templateVariables.region; add it to the Canary",
    );
  });
  it("names an unknown placeholder and lists the known ones", () => {
    expect(() => renderTemplateQuery("x{{ deployment }}", ctx)).toThrow(
      /MetricTemplate apps\/error-rate: unknown placeholder \{\{ deployment \}\}; known: \{\{ name \}\}, \{\{ namespace \}\}, \{\{ target \}\}, \{\{ service \}\}, \{\{ interval \}\}/,
    );
  });
});
