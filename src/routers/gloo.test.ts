import { describe, expect, it } from "vitest";
import { resolveCanarySpec } from "../api/resolve.ts";
import type { Canary } from "../api/canary.ts";
import type { KubeObject } from "../kube/api.ts";
import { glooRouter } from "./gloo.ts";
import type { RouterContext } from "./types.ts";

/** A router whose "cache" is what it last wrote, as the operator's caches remember its own writes. */
function routerWithCache() {
  const stored = new Map<string, KubeObject>();
  const router = glooRouter({
    ensure: async (objects) => {
      for (const o of objects)
        stored.set(`${o.kind}/${o.metadata?.name ?? ""}`, o);
    },
    remove: async () => undefined,
    lookupUpstream: () => undefined,
    lookupRoute: () => undefined,
    lookupRouteTable: (_ns, name) =>
      (stored.get(`RouteTable/${name}`) as { spec?: Record<string, unknown> })
        ?.spec,
  });
  return { router, stored };
}

function context(match = false): RouterContext {
  const canary = {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    metadata: { name: "podinfo", namespace: "apps", uid: "u1" },
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" },
      provider: "gloo",
      service: { port: 9898 },
      analysis: {
        interval: "10s",
        threshold: 5,
        ...(match
          ? { iterations: 3, match: [{ headers: { x: { exact: "1" } } }] }
          : { stepWeight: 10, maxWeight: 50 }),
      },
    },
  } as unknown as Canary;
  const resolved = resolveCanarySpec(canary.spec, {
    namespace: "apps",
    knownProviders: ["gloo"],
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 1000,
  });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
  return { canary, spec: resolved.spec };
}

describe("gloo router: the weight its RouteTable carries", () => {
  it("reads back the canary weight it wrote", async () => {
    const { router } = routerWithCache();
    const ctx = context();
    expect(router.routedCanaryWeight(ctx)).toBeUndefined(); // nothing written yet
    await router.setRoutes(ctx, { primaryWeight: 70, canaryWeight: 30 });
    expect(router.routedCanaryWeight(ctx)).toBe(30);
    await router.setRoutes(ctx, { primaryWeight: 100, canaryWeight: 0 });
    expect(router.routedCanaryWeight(ctx)).toBe(0);
  });

  it("says nothing for an A/B test's routes, whose weights are not a step's", async () => {
    const { router } = routerWithCache();
    const ctx = context(true);
    await router.setRoutes(ctx, {
      primaryWeight: 0,
      canaryWeight: 100,
      abTest: true,
    });
    expect(router.routedCanaryWeight(ctx)).toBeUndefined();
  });
});
