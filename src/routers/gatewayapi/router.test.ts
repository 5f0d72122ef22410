// The Gateway API router against an in-memory "cache" of what was last written (as the operator's caches
// remember their own writes): the routes it generates, how it extends a route someone else wrote, and
// what it reads back.
import { describe, expect, it } from "vitest";
import type { Canary, CanarySpec } from "../../api/canary.ts";
import { resolveCanarySpec } from "../../api/resolve.ts";
import type { KubeObject } from "../../kube/api.ts";
import type { RouterContext } from "../types.ts";
import { filtersAnnotation } from "./merge.ts";
import { affinityCookie, gatewayApiRouter } from "./router.ts";
import { backendMarkerHeader } from "./rules.ts";

type Json = Record<string, unknown>;
type Route = KubeObject & { spec: { rules: Json[]; [k: string]: unknown } };

function routerWithCache(markBackends = false) {
  const stored = new Map<string, KubeObject>();
  const router = gatewayApiRouter(
    {
      ensure: async (objects) => {
        for (const o of objects) {
          // The API server assigns a new resourceVersion on each write.
          const rv = String(Number(o.metadata?.resourceVersion ?? 0) + 1);
          stored.set(`${o.kind}/${o.metadata?.name ?? ""}`, {
            ...o,
            metadata: { ...o.metadata, resourceVersion: rv },
          });
        }
      },
      remove: async () => undefined,
      lookupUpstream: () => undefined,
      lookupRouteTable: () => undefined,
      lookupRoute: (kind, _ns, name) =>
        stored.get(`${kind}/${name}`) as Json | undefined,
    },
    { version: "v1", markBackends },
  );
  const route = (kind = "HTTPRoute") => stored.get(`${kind}/podinfo`) as Route;
  return { router, stored, route };
}

function context(
  patch: (spec: CanarySpec) => void = () => undefined,
  status: Canary["status"] = {},
): RouterContext {
  const spec = {
    targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo" },
    provider: "gatewayapi:v1",
    service: {
      port: 9898,
      hosts: ["podinfo.example.com"],
      gatewayRefs: [{ name: "public", namespace: "gateways" }],
    },
    analysis: { interval: "10s", threshold: 5, stepWeight: 10, maxWeight: 50 },
  } as CanarySpec;
  patch(spec);
  const canary = {
    metadata: { name: "podinfo", namespace: "apps", uid: "u1" },
    spec,
    status,
  } as Canary;
  const resolved = resolveCanarySpec(spec, {
    namespace: "apps",
    knownProviders: [
      "gloo",
      "gatewayapi:v1",
      "gatewayapi:v1beta1",
      "kubernetes",
    ],
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 1000,
  });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
  return { canary, spec: resolved.spec, status };
}

const backends = (rule: Json | undefined) =>
  ((rule?.backendRefs as Json[]) ?? []).map(
    (b) => `${String(b.name)}=${String(b.weight)}`,
  );
const ruleNamed = (route: Route, name: string) =>
  route.spec.rules.find((r) => r.name === name);

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
