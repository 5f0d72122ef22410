// The Gateway API router against an in-memory cache of its own writes: the routes it generates and what
// it reads back (routes someone else wrote: router-user-routes.test.ts).
import { describe, expect, it } from "vitest";
import type { CanarySpec } from "../../api/canary.ts";
import { affinityCookie } from "./router.ts";
import { backendMarkerHeader } from "./rules.ts";
import {
  backends,
  context,
  routerWithCache,
  ruleNamed,
  type Json,
} from "../../../test/fixtures/gatewayapi-router.ts";

describe("gatewayapi router: the route it writes", () => {
  it("creates an HTTPRoute for the apex, attached to the gateways with the hosts, owned by the Canary", async () => {
    const { router, route } = routerWithCache();
    const ctx = context();
    await router.setRoutes(ctx, { primaryWeight: 90, canaryWeight: 10 });
    const written = route();
    expect(written.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(written.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Canary", uid: "u1", controller: true }),
    ]);
    expect(written.spec.parentRefs).toEqual([
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "public",
        namespace: "gateways",
      },
    ]);
    expect(written.spec.hostnames).toEqual(["podinfo.example.com"]);
    expect(written.spec.rules).toEqual([
      {
        name: "siskin-weighted",
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [
          {
            group: "",
            kind: "Service",
            name: "podinfo-primary",
            port: 9898,
            weight: 90,
          },
          {
            group: "",
            kind: "Service",
            name: "podinfo-canary",
            port: 9898,
            weight: 10,
          },
        ],
      },
    ]);
    expect(router.routedCanaryWeight(ctx)).toBe(10);
    await router.setRoutes(ctx, { primaryWeight: 80, canaryWeight: 20 });
    expect(router.routedCanaryWeight(ctx)).toBe(20);
  });

  it("the service's timeouts, headers, rewrite and mirrors become the rule's timeouts and filters", async () => {
    const { router, route } = routerWithCache();
    await router.setRoutes(
      context((s) => {
        s.service.timeout = "15s";
        s.service.backendTimeout = "5s";
        s.service.headers = {
          request: { set: { "x-b": "2", "x-a": "1" }, remove: ["x-debug"] },
        };
        s.service.rewrite = { uri: "/api" };
        s.service.mirror = [
          { backendRef: { name: "shadow", port: 80 }, percent: 10 },
        ];
        s.service.match = [
          { uri: { prefix: "/v2" }, method: { exact: "get" } },
        ];
      }),
      { primaryWeight: 100, canaryWeight: 0 },
    );
    const rule = ruleNamed(route(), "siskin-weighted");
    expect(rule?.timeouts).toEqual({ request: "15s", backendRequest: "5s" });
    expect(rule?.matches).toEqual([
      { path: { type: "PathPrefix", value: "/v2" }, method: "GET" },
    ]);
    expect(rule?.filters).toEqual([
      {
        type: "RequestHeaderModifier",
        requestHeaderModifier: {
          set: [
            { name: "x-a", value: "1" },
            { name: "x-b", value: "2" },
          ],
          remove: ["x-debug"],
        },
      },
      {
        type: "URLRewrite",
        urlRewrite: {
          path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/api" },
        },
      },
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: { group: "", kind: "Service", name: "shadow", port: 80 },
          percent: 10,
        },
      },
    ]);
  });

  it("A/B: matching requests (headers and query params) by the A/B weights, a fallback rule for the rest", async () => {
    const { router, route } = routerWithCache();
    const ctx = context((s) => {
      delete s.analysis.stepWeight;
      s.analysis.iterations = 5;
      s.analysis.match = [
        {
          headers: { "x-canary": { exact: "insider" } },
          queryParams: { beta: { prefix: "on" } },
        },
      ];
    });
    await router.setRoutes(ctx, {
      primaryWeight: 0,
      canaryWeight: 100,
      abTest: true,
    });
    const ab = ruleNamed(route(), "siskin-ab");
    expect(ab?.matches).toEqual([
      {
        path: { type: "PathPrefix", value: "/" },
        headers: [{ name: "x-canary", type: "Exact", value: "insider" }],
        queryParams: [
          { name: "beta", type: "RegularExpression", value: "^on.*" },
        ],
      },
    ]);
    expect(backends(ab)).toEqual(["podinfo-primary=0", "podinfo-canary=100"]);
    expect(backends(ruleNamed(route(), "siskin-fallback"))).toEqual([
      "podinfo-primary=100",
    ]);
    expect(router.routedCanaryWeight(ctx)).toBeUndefined();
  });

  it("session affinity: the run's cookie pins a client to the canary, and is deleted after the run", async () => {
    const { router, route } = routerWithCache();
    const affinity = (s: CanarySpec) => {
      s.analysis.sessionAffinity = {
        cookieName: "canary",
        maxAge: 600,
        primaryCookieName: "primary",
      };
    };
    const running = {
      phase: "Progressing" as const,
      lastAppliedSpec: "rev2",
      canaryWeight: 10,
    };
    await router.setRoutes(context(affinity, running), {
      primaryWeight: 90,
      canaryWeight: 10,
    });
    const cookie = affinityCookie("canary", "u1", "rev2");
    const [value] = cookie.split("=").slice(1);
    const sticky = ruleNamed(route(), "siskin-sticky-canary");
    expect(sticky?.matches).toEqual([
      {
        path: { type: "PathPrefix", value: "/" },
        headers: [
          {
            name: "Cookie",
            type: "RegularExpression",
            value: `.*canary=${value}.*`,
          },
        ],
      },
    ]);
    expect(backends(sticky)).toEqual([
      "podinfo-primary=0",
      "podinfo-canary=100",
    ]);
    expect(backends(ruleNamed(route(), "siskin-sticky-primary"))).toEqual([
      "podinfo-primary=100",
      "podinfo-canary=0",
    ]);
    const weighted = ruleNamed(route(), "siskin-weighted");
    const canaryRef = (weighted?.backendRefs as Json[])[1];
    expect(canaryRef?.filters).toEqual([
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: {
          add: [{ name: "Set-Cookie", value: `${cookie}; Max-Age=600` }],
        },
      },
    ]);
    // Promoted: no sticky rules; the run's cookie is deleted on its way to the primary.
    const done = {
      phase: "Succeeded" as const,
      lastAppliedSpec: "rev2",
      history: { runs: [{} as never] },
    };
    await router.setRoutes(context(affinity, done), {
      primaryWeight: 100,
      canaryWeight: 0,
    });
    expect(route().spec.rules.map((r) => r.name)).toEqual([
      "siskin-cookie-expiry",
      "siskin-weighted",
    ]);
    expect(ruleNamed(route(), "siskin-cookie-expiry")?.filters).toEqual([
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: {
          add: [{ name: "Set-Cookie", value: `${cookie}; Max-Age=0` }],
        },
      },
    ]);
  });

  it("blue/green with analysis.mirror copies mirrorWeight percent of the traffic to the canary while it runs", async () => {
    const { router, route } = routerWithCache();
    const ctx = context(
      (s) => {
        delete s.analysis.stepWeight;
        s.analysis.iterations = 3;
        s.analysis.mirror = true;
        s.analysis.mirrorWeight = 25;
      },
      { phase: "Progressing" },
    );
    await router.setRoutes(ctx, { primaryWeight: 100, canaryWeight: 0 });
    expect(ruleNamed(route(), "siskin-weighted")?.filters).toEqual([
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: {
            group: "",
            kind: "Service",
            name: "podinfo-canary",
            port: 9898,
          },
          percent: 25,
        },
      },
    ]);
  });

  it("a gRPC service gets a GRPCRoute, matched by service and method", async () => {
    const { router, route } = routerWithCache();
    const ctx = context((s) => {
      s.service.portName = "grpc";
      s.service.match = [{ uri: { prefix: "/helloworld.Greeter/" } }];
    });
    await router.setRoutes(ctx, { primaryWeight: 70, canaryWeight: 30 });
    const grpc = route("GRPCRoute");
    expect(grpc.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(ruleNamed(grpc, "siskin-weighted")?.matches).toEqual([
      { method: { type: "Exact", service: "helloworld.Greeter" } },
    ]);
    expect(router.routedCanaryWeight(ctx)).toBe(30);
  });

  it("marks each backend for Envoy Gateway, which then keeps a cluster per backend", async () => {
    const { router, route } = routerWithCache(true);
    await router.setRoutes(context(), { primaryWeight: 90, canaryWeight: 10 });
    const refs = ruleNamed(route(), "siskin-weighted")?.backendRefs as Json[];
    expect(refs.map((r) => r.filters)).toEqual(
      ["primary", "canary"].map((value) => [
        {
          type: "RequestHeaderModifier",
          requestHeaderModifier: {
            set: [{ name: backendMarkerHeader, value }],
          },
        },
      ]),
    );
  });
});
