import { describe, expect, it } from "vitest";
import type { Canary } from "../api/canary.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import { convertGateway, describeConversion } from "./convert-gateway.ts";

const canary = (): Canary => ({
  metadata: { name: "podinfo", namespace: "apps", uid: "u1" },
  spec: { ...seedCanarySpec(), upstreamRef: { name: "podinfo-settings" } },
  status: { phase: "Progressing", canaryWeight: 15, lastAppliedSpec: "r2" },
});

const vs = {
  metadata: { name: "podinfo", namespace: "gloo-system" },
  spec: {
    virtualHost: {
      domains: ["podinfo.example.com", "podinfo.internal"],
      routes: [
        {
          matchers: [{ prefix: "/other" }],
          delegateAction: { ref: { name: "other", namespace: "apps" } },
        },
        {
          matchers: [
            {
              prefix: "/api",
              methods: ["GET"],
              headers: [{ name: "x-env", value: "prod" }],
            },
          ],
          delegateAction: { ref: { name: "podinfo", namespace: "apps" } },
        },
      ],
    },
  },
};

describe("convert-gateway", () => {
  it("carries the VirtualService's domains and the delegating route's matchers over, at the run's weight", async () => {
    const c = await convertGateway({
      canary: canary(),
      virtualServices: [vs],
      gateway: {
        name: "http",
        namespace: "kgateway-system",
        className: "kgateway",
      },
    });
    expect(c.canaryPatch).toEqual({
      spec: {
        provider: "gloo",
        routers: ["gloo", "gatewayapi:v1"],
        service: {
          gatewayRefs: [{ name: "http", namespace: "kgateway-system" }],
          hosts: ["podinfo.example.com", "podinfo.internal"],
          match: [
            {
              uri: { prefix: "/api" },
              method: { exact: "GET" },
              headers: { "x-env": { exact: "prod" } },
            },
          ],
        },
      },
    });
    const route = c.httpRoute as {
      metadata: Record<string, unknown>;
      spec: { hostnames: string[]; rules: Record<string, unknown>[] };
    };
    expect(route.metadata.ownerReferences).toBeUndefined();
    expect(route.spec.hostnames).toEqual([
      "podinfo.example.com",
      "podinfo.internal",
    ]);
    expect(route.spec.rules[0]).toMatchObject({
      name: "siskin-weighted",
      matches: [
        {
          path: { type: "PathPrefix", value: "/api" },
          method: "GET",
          headers: [{ name: "x-env", type: "Exact", value: "prod" }],
        },
      ],
      backendRefs: [
        { name: "podinfo-primary", weight: 85 },
        { name: "podinfo-canary", weight: 15 },
      ],
    });
    expect(c.notes).toEqual([
      expect.stringMatching(
        /upstreamRef podinfo-settings: .*BackendConfigPolicy/,
      ),
    ]);
    const text = describeConversion(canary(), c);
    expect(text).toMatch(/Nothing has been applied/);
    expect(text).toContain(
      `kubectl -n apps patch canary podinfo --type merge -p '${JSON.stringify(c.canaryPatch)}'`,
    );
  });

  it("says so when no VirtualService delegates to the RouteTable", async () => {
    const c = await convertGateway({
      canary: canary(),
      virtualServices: [],
      gateway: {
        name: "http",
        namespace: "kgateway-system",
        className: "kgateway",
      },
    });
    expect(c.notes[0]).toMatch(
      /no VirtualService delegates to RouteTable apps\/podinfo/,
    );
    expect(c.canaryPatch.spec.service).toEqual({
      gatewayRefs: [{ name: "http", namespace: "kgateway-system" }],
    });
  });
});
