// GRPCRoute: a Canary whose service is gRPC (portName grpc) is routed by a GRPCRoute, stepped and
// promoted with the weights read back from it. And every object the Gateway API router writes, in each
// of its shapes, is accepted by Gateway API's own CRDs unchanged: nothing pruned, nothing refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Canary, CanarySpec } from "../../src/api/canary.ts";
import { resolveCanarySpec } from "../../src/api/resolve.ts";
import { KubeApi, type KubeObject } from "../../src/kube/api.ts";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import { gatewayApiRouter } from "../../src/routers/gatewayapi/router.ts";
import type { Weights } from "../../src/routers/types.ts";
import { covers } from "../../src/util/covers.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi, WeightRecorder } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { RouteApi } from "../support/gateway-routes.ts";

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
let operator: OperatorProcess;
let client: KubeClient;

beforeAll(async () => {
  ns = await createTestNamespace("gwgrpc");
  api = new CanaryApi(kubeConfig(), ns.name);
  client = new KubeClient(
    loadClusterAccess({ kubeconfig: clusterState().kubeconfig }),
  );
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: "http://127.0.0.1:9",
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  client?.close();
  await ns?.dispose();
});

describe("GRPCRoute", () => {
  it("steps a gRPC service's canary on a GRPCRoute and promotes it", async () => {
    const routes = new RouteApi(kubeConfig(), ns.name, "grpcroutes");
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: podinfoDeployment(ns.name),
    });
    const canary = podinfoCanary(ns.name, {
      stepWeight: 25,
      maxWeight: 75,
      metrics: [],
      webhooks: [],
    });
    canary.spec.provider = "gatewayapi:v1";
    canary.spec.service = {
      ...canary.spec.service,
      portName: "grpc",
      hosts: ["grpc.example.com"],
      gatewayRefs: [{ name: "public", namespace: ns.name }],
      match: [{ uri: { prefix: "/helloworld.Greeter/" } }],
    };
    await api.createCanary(canary);
    await eventually(async () => (await api.status()).phase === "Initialized", {
      what: "Initialized",
    });
    const route = await routes.get();
    expect(route.kind).toBe("GRPCRoute");
    expect(route.spec.rules[0]?.matches).toEqual([
      { method: { type: "Exact", service: "helloworld.Greeter" } },
    ]);
    const recorder = new WeightRecorder("GRPCRoute");
    await recorder.start(api);
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => (await api.status()).phase === "Succeeded", {
      timeoutMs: 60_000,
      what: () => `Succeeded (operator log:\n${operator.logTail(10)})`,
    });
    await eventually(async () => recorder.seen.at(-1) === 0, {
      what: "GRPCRoute back on the primary",
    });
    recorder.stop();
    expect(recorder.seen).toEqual([0, 25, 50, 75, 0]);
  });
});

/** Every shape of route the router writes, as it would write it. */
async function routerShapes(): Promise<KubeObject[]> {
  const written: KubeObject[] = [];
  const shapes: [string, (s: CanarySpec) => void, Weights, Canary["status"]][] =
    [
      [
        "weighted",
        (s) => {
          s.service.timeout = "30s";
          s.service.backendTimeout = "10s";
          s.service.headers = {
            request: {
              add: { "x-a": "1" },
              set: { "x-b": "2" },
              remove: ["x-c"],
            },
            response: { set: { "x-served-by": "siskin" } },
          };
          s.service.rewrite = { uri: "/api", authority: "api.internal" };
          s.service.mirror = [
            { backendRef: { name: "shadow", port: 80 }, percent: 5 },
          ];
          s.service.match = [
            {
              uri: { prefix: "/api" },
              method: { exact: "GET" },
              headers: { "x-user": { regex: "a.*" } },
            },
          ];
        },
        { primaryWeight: 70, canaryWeight: 30 },
        {},
      ],
      [
        "ab",
        (s) => {
          delete s.analysis.stepWeight;
          s.analysis.iterations = 3;
          s.analysis.match = [
            {
              headers: {
                "x-canary": { exact: "insider" },
                "user-agent": { suffix: "Firefox" },
              },
              queryParams: { beta: { exact: "1" } },
            },
          ];
        },
        { primaryWeight: 0, canaryWeight: 100, abTest: true },
        {},
      ],
      [
        "affinity",
        (s) => {
          s.analysis.sessionAffinity = {
            cookieName: "canary",
            primaryCookieName: "primary",
            maxAge: 600,
          };
        },
        { primaryWeight: 90, canaryWeight: 10 },
        { phase: "Progressing", lastAppliedSpec: "rev2" },
      ],
      [
        "expiry",
        (s) => {
          s.analysis.sessionAffinity = { cookieName: "canary" };
        },
        { primaryWeight: 100, canaryWeight: 0 },
        {
          phase: "Succeeded",
          lastAppliedSpec: "rev2",
          history: { runs: [{} as never] },
        },
      ],
      [
        "mirror",
        (s) => {
          delete s.analysis.stepWeight;
          s.analysis.iterations = 3;
          s.analysis.mirror = true;
          s.analysis.mirrorWeight = 20;
        },
        { primaryWeight: 100, canaryWeight: 0 },
        { phase: "Progressing" },
      ],
      [
        "grpc",
        (s) => {
          s.service.portName = "grpc";
          s.service.headers = { request: { set: { "x-b": "2" } } };
          s.service.match = [
            {
              uri: { exact: "/helloworld.Greeter/SayHello" },
              headers: { "x-a": { exact: "1" } },
            },
          ];
        },
        { primaryWeight: 50, canaryWeight: 50 },
        {},
      ],
    ];
  for (const markBackends of [false, true])
    for (const [name, patch, weights, status] of shapes) {
      const router = gatewayApiRouter(
        {
          ensure: async (objects) => void written.push(...objects),
          remove: async () => undefined,
          lookupUpstream: () => undefined,
          lookupRouteTable: () => undefined,
          lookupRoute: () => undefined,
        },
        { version: markBackends ? "v1beta1" : "v1", markBackends },
      );
      const spec = podinfoCanary(ns.name, {
        stepWeight: 10,
        maxWeight: 50,
      }).spec;
      spec.provider = "gatewayapi:v1";
      spec.service = {
        ...spec.service,
        hosts: ["podinfo.example.com"],
        gatewayRefs: [{ name: "public" }],
      };
      patch(spec);
      const resolved = resolveCanarySpec(spec, {
        namespace: ns.name,
        knownProviders: ["gatewayapi:v1"],
        defaultProvider: "gatewayapi:v1",
        defaultMetricsServer: "",
        minIntervalMs: 1000,
      });
      if (!resolved.ok)
        throw new Error(`${name}: ${JSON.stringify(resolved.issues)}`);
      const canary = {
        metadata: {
          name: `${name}-${markBackends ? "eg" : "plain"}`,
          namespace: ns.name,
          uid: "u",
        },
        spec,
        status,
      } as Canary;
      await router.setRoutes(
        {
          canary,
          spec: { ...resolved.spec, apexName: canary.metadata.name },
          status,
        },
        weights,
      );
    }
  // Owner references name a Canary that does not exist here; the schema is what is tested.
  return written.map((o) => ({
    ...o,
    metadata: { ...o.metadata, ownerReferences: undefined },
  }));
}

describe("Gateway API CRDs accept what the router writes", () => {
  it("stores every shape unchanged: nothing pruned, nothing refused", async () => {
    const kube = new KubeApi(client);
    const objects = await routerShapes();
    expect(objects.length).toBe(12);
    const problems: string[] = [];
    for (const object of objects) {
      const name = object.metadata?.name ?? "";
      try {
        await kube.apply(object, "schema-test");
        const stored = await kube.get<KubeObject & { spec?: unknown }>({
          apiVersion: object.apiVersion ?? "",
          kind: object.kind ?? "",
          namespace: ns.name,
          name,
        });
        const sent = (object as { spec?: unknown }).spec;
        if (!covers(stored.spec, sent))
          problems.push(
            `${object.kind} ${name}: stored ${JSON.stringify(stored.spec)}`,
          );
      } catch (error) {
        problems.push(`${object.kind} ${name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
