// The Gateway API router extending a route someone else wrote (an HTTPRoute named after the apex Service).
import { describe, expect, it } from "vitest";
import type { CanarySpec } from "../../api/canary.ts";
import { filtersAnnotation } from "./merge.ts";
import {
  backends,
  context,
  routerWithCache,
  ruleNamed,
  type Json,
  type Route,
} from "../../../test/fixtures/gatewayapi-router.ts";

describe("gatewayapi router: routes users extend", () => {
  const userRoute = (): Route => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: "podinfo",
      namespace: "apps",
      resourceVersion: "7",
      annotations: { team: "web" },
    },
    spec: {
      parentRefs: [{ name: "internal" }],
      hostnames: ["podinfo.internal"],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
          backendRefs: [{ name: "docs", port: 80 }],
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          filters: [
            {
              type: "ExtensionRef",
              extensionRef: { group: "x.io", kind: "Auth", name: "sso" },
            },
          ],
          backendRefs: [{ name: "podinfo", port: 9898 }],
        },
      ],
    },
  });

  it("takes over only the rule that points at the apex Service, keeping every other rule, ref, host and filter", async () => {
    const { router, stored, route } = routerWithCache();
    stored.set("HTTPRoute/podinfo", userRoute());
    const ctx = context();
    await router.setRoutes(ctx, { primaryWeight: 80, canaryWeight: 20 });
    const written = route();
    expect(written.metadata?.ownerReferences).toBeUndefined(); // a user's route is not the Canary's
    expect(written.metadata?.resourceVersion).toBe("8"); // written over what the cache held (7)
    expect(written.spec.parentRefs).toEqual([
      { name: "internal" },
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "public",
        namespace: "gateways",
      },
    ]);
    expect(written.spec.hostnames).toEqual([
      "podinfo.internal",
      "podinfo.example.com",
    ]);
    expect(written.spec.rules.map((r) => r.name ?? backends(r).join())).toEqual(
      ["docs=undefined", "siskin-weighted"],
    );
    const weighted = ruleNamed(written, "siskin-weighted");
    expect(backends(weighted)).toEqual([
      "podinfo-primary=80",
      "podinfo-canary=20",
    ]);
    expect(weighted?.filters).toEqual([
      {
        type: "ExtensionRef",
        extensionRef: { group: "x.io", kind: "Auth", name: "sso" },
      },
    ]);
  });

  it("keeps a filter a user adds to its rule across every step, and drops a filter the Canary no longer asks for", async () => {
    const { router, route } = routerWithCache();
    const withHeaders = (s: CanarySpec) => {
      s.service.headers = { response: { add: { "x-served-by": "siskin" } } };
    };
    await router.setRoutes(context(withHeaders), {
      primaryWeight: 90,
      canaryWeight: 10,
    });
    // A user (or another tool) adds a filter to Siskin's rule.
    const edited = route();
    const userFilter = {
      type: "RequestHeaderModifier",
      requestHeaderModifier: { add: [{ name: "x-team", value: "web" }] },
    };
    ruleNamed(edited, "siskin-weighted")!.filters = [
      ...((ruleNamed(edited, "siskin-weighted")!.filters as Json[]) ?? []),
      userFilter,
    ];
    for (const w of [20, 30, 0])
      await router.setRoutes(context(withHeaders), {
        primaryWeight: 100 - w,
        canaryWeight: w,
      });
    expect(ruleNamed(route(), "siskin-weighted")?.filters).toEqual([
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: {
          add: [{ name: "x-served-by", value: "siskin" }],
        },
      },
      userFilter,
    ]);
    expect(route().metadata?.annotations).toMatchObject({
      [filtersAnnotation]: expect.stringMatching(/^[0-9a-f]{10}$/),
    });
    // The Canary drops its headers: its filter leaves the route, the user's stays.
    await router.setRoutes(context(), { primaryWeight: 100, canaryWeight: 0 });
    expect(ruleNamed(route(), "siskin-weighted")?.filters).toEqual([
      userFilter,
    ]);
  });

  it("revertOnDeletion: the route goes on serving through the apex Service and no longer belongs to the Canary", async () => {
    const { router, route } = routerWithCache();
    const ctx = context();
    await router.setRoutes(ctx, { primaryWeight: 100, canaryWeight: 0 });
    await router.finalize(ctx);
    expect(route().metadata?.ownerReferences).toEqual([]);
    expect(route().spec.rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [
          {
            group: "",
            kind: "Service",
            name: "podinfo",
            port: 9898,
            weight: 1,
          },
        ],
      },
    ]);
  });
});
