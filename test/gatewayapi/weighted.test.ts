// The weighted canary on Gateway API (gatewayapi:v1) against the local cluster's real API server with
// Gateway API's own CRDs, a real Prometheus scraping Envoy-named series in kgateway's cluster naming, and
// the real operator: a run promoted and one rolled back, the HTTPRoute's weights read back at each step,
// and a rule and a filter a user adds surviving the whole run and a drift correction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { EnvoyExporter } from "../support/envoy-exporter.ts";
import { RouteApi, ruleNamed, type Json } from "../support/gateway-routes.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";

const healthy = { rps: 50, errorRate: 0, latencyMs: 20 };
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
let routes: RouteApi;
const exporter = new EnvoyExporter();
const prometheus = new LocalPrometheus();
let operator: OperatorProcess;
const cluster = (role: string) => `kube_${ns.name}_podinfo-${role}_9898`;

async function waitForPhase(phase: string, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => (await api.status()).phase === phase, {
    timeoutMs,
    what: () =>
      `canary phase ${phase} (operator log:\n${operator.logTail(10)})`,
  });
}

const userFilter = {
  type: "RequestHeaderModifier",
  requestHeaderModifier: { set: [{ name: "x-team", value: "web" }] },
};
const userRule = {
  matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
  backendRefs: [
    { group: "", kind: "Service", name: "docs", port: 80, weight: 1 },
  ],
};

beforeAll(async () => {
  ns = await createTestNamespace("gwapi");
  api = new CanaryApi(kubeConfig(), ns.name);
  routes = new RouteApi(kubeConfig(), ns.name);
  exporter.setTraffic(cluster("canary"), healthy);
  exporter.setTraffic(cluster("primary"), healthy);
  await exporter.start();
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: prometheus.url,
    extraArgs: ["--gateway-api-metrics=kgateway"],
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  await Promise.all([prometheus.stop(), exporter.stop()]);
  await ns?.dispose();
});

describe("weighted canary on gatewayapi:v1", () => {
  it("initializes an HTTPRoute attached to the gateway with the hosts, all traffic on the primary", async () => {
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: podinfoDeployment(ns.name),
    });
    const canary = podinfoCanary(ns.name, { stepWeight: 20, maxWeight: 60 });
    canary.spec.provider = "gatewayapi:v1";
    canary.spec.service = {
      ...canary.spec.service,
      hosts: ["podinfo.example.com"],
      gatewayRefs: [{ name: "public", namespace: ns.name }],
    };
    await api.createCanary(canary);
    await waitForPhase("Initialized");
    const route = await eventually(() => routes.get().catch(() => undefined), {
      what: "the HTTPRoute",
    });
    expect(route.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Canary", name: "podinfo" }),
    ]);
    expect(route.spec.parentRefs).toEqual([
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "public",
        namespace: ns.name,
      },
    ]);
    expect(route.spec.hostnames).toEqual(["podinfo.example.com"]);
    expect(await routes.weights()).toEqual([100, 0]);

    // A user adds a rule of their own and a filter to Siskin's rule.
    await routes.edit((r) => {
      r.spec.rules.push(userRule);
      const weighted = ruleNamed(r, "siskin-weighted") as Json;
      weighted.filters = [...((weighted.filters as Json[]) ?? []), userFilter];
    });
  });

  it("steps 20, 40, 60 on the HTTPRoute, corrects drift mid-run, keeps the user's rule and filter, and promotes", async () => {
    const recorder = new WeightRecorder("HTTPRoute");
    await recorder.start(api);
    try {
      await api.setImage("podinfo", podinfoImage("6.0.1"));
      await eventually(
        async () => ((await api.status()).canaryWeight ?? 0) >= 20,
        { what: "weight 20" },
      );
      // Someone moves the weights by hand: Siskin puts them back (drift), keeping everything else.
      await routes.edit((r) => {
        const weighted = ruleNamed(r, "siskin-weighted") as Json;
        (weighted.backendRefs as Json[]).forEach((b) => (b.weight = 50));
      });
      await eventually(
        async () => JSON.stringify(await routes.weights()) !== "[50,50]",
        { what: "drift corrected" },
      );
      await waitForPhase("Succeeded", 90_000);
      await eventually(async () => (await routes.weights())?.[1] === 0, {
        what: "routes back on the primary",
      });
    } finally {
      recorder.stop();
    }
    // Every step's weight, in order, on the HTTPRoute itself; the hand edit shows as a 50 that Siskin
    // put back to the step's weight.
    expect(recorder.seen).toContain(50);
    const steps = recorder.seen
      .filter((w) => w !== 50)
      .filter((w, i, all) => w !== all[i - 1]);
    expect(steps).toEqual([0, 20, 40, 60, 0]);
    expect(recorder.seen.filter((w) => Number.isNaN(w))).toEqual([]);
    const route = await routes.get();
    expect(route.spec.rules.filter((r) => r.name === undefined)).toEqual([
      userRule,
    ]);
    expect(ruleNamed(route, "siskin-weighted")?.filters).toEqual([userFilter]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("rolls back a release whose canary fails its checks, routes back on the primary", async () => {
    exporter.setTraffic(cluster("canary"), {
      rps: 50,
      errorRate: 0.5,
      latencyMs: 20,
    });
    await api.setImage("podinfo", podinfoImage("6.0.2"));
    await waitForPhase("Failed", 90_000);
    await eventually(async () => (await routes.weights())?.[1] === 0, {
      what: "routes back on the primary",
    });
    const status = await api.status();
    expect(status.message).toMatch(/request-success-rate/);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect(
      (await routes.get()).spec.rules.filter((r) => r.name === undefined),
    ).toEqual([userRule]);
  });
});
