// Two gateways at once, for a Gloo Edge -> kgateway cut-over: one Canary drives a Gloo RouteTable and a
// Gateway API HTTPRoute with the same weights at every step. Every weight write on both objects is read
// from the API server's audit log (a watch may skip versions): identical sequences, no step skipped. A
// router added mid-run (and the operator killed right after) starts at the run's weight and moves
// nothing on the other; a step is judged on the canary's traffic through both gateways summed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { readAuditLog, storedByWrites } from "../../dev/cluster/audit.ts";
import {
  gatewayRouteWeights,
  routeWeights,
  type GatewayRouteLike,
  type RouteTableLike,
} from "../../dev/route-weights.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi, patchCanarySpec } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { kubectlSiskin } from "../support/cli.ts";
import { EnvoyExporter } from "../support/envoy-exporter.ts";

const healthy = { rps: 50, errorRate: 0, latencyMs: 20 };
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
const exporter = new EnvoyExporter();
const prometheus = new LocalPrometheus();
let operator: OperatorProcess;
const gloo = (role: string) =>
  `${ns.name}-podinfo-${role}upstream-9898_${ns.name}`;
const kgateway = (role: string) => `kube_${ns.name}_podinfo-${role}_9898`;

type Stored = {
  metadata?: { namespace?: string; name?: string };
  kind?: string;
};

/** The canary weight of each successful write of this namespace's RouteTable and HTTPRoute, in order. */
function writtenWeights(): { gloo: number[]; gatewayapi: number[] } {
  const log = readAuditLog(clusterState().auditLogPath ?? "");
  const writes = storedByWrites<Stored & RouteTableLike & GatewayRouteLike>(
    log,
  ).filter(
    (w) =>
      w.object.metadata?.namespace === ns.name &&
      w.object.metadata?.name === "podinfo",
  );
  const distinct = (ws: number[]) => ws.filter((w, i) => w !== ws[i - 1]);
  return {
    gloo: distinct(
      writes
        .filter((w) => w.object.kind === "RouteTable")
        .map((w) => routeWeights(w.object)[1]),
    ),
    gatewayapi: distinct(
      writes
        .filter((w) => w.object.kind === "HTTPRoute")
        .map((w) => gatewayRouteWeights(w.object)[1]),
    ),
  };
}

async function waitForPhase(phase: string, timeoutMs = 90_000): Promise<void> {
  await eventually(async () => (await api.status()).phase === phase, {
    timeoutMs,
    what: () =>
      `canary phase ${phase} (operator log:\n${operator.logTail(10)})`,
  });
}

beforeAll(async () => {
  ns = await createTestNamespace("gwdual");
  api = new CanaryApi(kubeConfig(), ns.name);
  for (const cluster of [
    gloo("canary"),
    gloo("primary"),
    kgateway("canary"),
    kgateway("primary"),
  ])
    exporter.setTraffic(cluster, healthy);
  await exporter.start();
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: prometheus.url,
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  await Promise.all([prometheus.stop(), exporter.stop()]);
  await ns?.dispose();
});

describe("two gateways at once", () => {
  it("a router added mid-run starts at the run's weight; both then carry every step, across an operator kill", async () => {
    expect(clusterState().auditLogPath).toBeDefined();
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: podinfoDeployment(ns.name),
    });
    const canary = podinfoCanary(ns.name, {
      stepWeight: 20,
      maxWeight: 80,
      interval: "3s",
    });
    await api.createCanary(canary);
    // The team's Gloo VirtualService, delegating to the RouteTable Siskin writes.
    await kubeConfig()
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({
        group: "gateway.solo.io",
        version: "v1",
        namespace: ns.name,
        plural: "virtualservices",
        body: {
          apiVersion: "gateway.solo.io/v1",
          kind: "VirtualService",
          metadata: { name: "podinfo", namespace: ns.name },
          spec: {
            virtualHost: {
              domains: ["podinfo.example.com"],
              routes: [
                {
                  matchers: [{ prefix: "/" }],
                  delegateAction: {
                    ref: { name: "podinfo", namespace: ns.name },
                  },
                },
              ],
            },
          },
        },
      });
    await waitForPhase("Initialized");
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => (await api.status()).canaryWeight === 20, {
      what: "weight 20",
    });
    // The team starts the cut-over in the middle of the run, with the change convert-gateway prints
    // (from the VirtualService delegating to the RouteTable): kgateway is added beside Gloo.
    const converted = await kubectlSiskin(
      ns.name,
      "convert-gateway",
      "podinfo",
      `--gateway=${ns.name}/public`,
    );
    expect(converted.code, converted.out).toBe(0);
    const patch = /--type merge -p '(.*)'$/m.exec(converted.out)?.[1];
    expect(JSON.parse(patch ?? "{}")).toEqual({
      spec: {
        provider: "gloo",
        routers: ["gloo", "gatewayapi:v1"],
        service: {
          gatewayRefs: [{ name: "public", namespace: ns.name }],
          hosts: ["podinfo.example.com"],
        },
      },
    });
    await patchCanarySpec(
      kubeConfig(),
      ns.name,
      "podinfo",
      (JSON.parse(patch ?? "{}") as { spec: Record<string, unknown> }).spec,
    );
    await eventually(async () => (await api.status()).gateways?.length === 2, {
      what: "both gateways in status",
    });
    await operator.kill();
    operator.start();
    await waitForPhase("Succeeded");
    await eventually(
      async () => {
        const w = writtenWeights();
        return w.gloo.at(-1) === 0 && w.gatewayapi.at(-1) === 0 ? w : undefined;
      },
      { what: "both gateways back on the primary" },
    );
    const { gloo: g, gatewayapi } = writtenWeights();
    expect(g).toEqual([0, 20, 40, 60, 80, 0]);
    // Created at the weight the run had (20), never 0 first: no traffic moved on either gateway.
    expect(gatewayapi).toEqual([20, 40, 60, 80, 0]);
    expect((await api.status()).gateways).toEqual([
      { router: "gloo", canaryWeight: 0 },
      { router: "gatewayapi:v1", canaryWeight: 0 },
    ]);
  });

  it("judges a step on both gateways' traffic summed: a canary failing only through kgateway is rolled back", async () => {
    const before = writtenWeights();
    // Through Gloo the canary is healthy (45 req/s); through kgateway half of its 5 req/s fail: 95 % in all.
    exporter.setTraffic(gloo("canary"), {
      rps: 45,
      errorRate: 0,
      latencyMs: 20,
    });
    exporter.setTraffic(kgateway("canary"), {
      rps: 5,
      errorRate: 0.5,
      latencyMs: 20,
    });
    await api.setImage("podinfo", podinfoImage("6.0.2"));
    await waitForPhase("Failed");
    expect((await api.status()).message).toMatch(
      /request-success-rate 9[0-9.]+/,
    );
    await eventually(
      async () => {
        const w = writtenWeights();
        return (
          w.gatewayapi.length > before.gatewayapi.length &&
          w.gatewayapi.at(-1) === 0 &&
          w.gloo.at(-1) === 0
        );
      },
      { what: "both gateways back on the primary" },
    );
    const after = writtenWeights();
    const run = (ws: number[], from: number) => ws.slice(from - 1);
    // The same weights, in the same order, on both objects.
    expect(run(after.gloo, before.gloo.length)).toEqual(
      run(after.gatewayapi, before.gatewayapi.length),
    );
    expect(run(after.gloo, before.gloo.length).length).toBeGreaterThanOrEqual(
      2,
    );
  });

  it("a router removed mid-run goes back to the primary; the other carries on", async () => {
    exporter.setTraffic(kgateway("canary"), healthy);
    const before = writtenWeights();
    await api.setImage("podinfo", podinfoImage("6.0.3"));
    await eventually(
      async () => ((await api.status()).canaryWeight ?? 0) >= 40,
      { what: "weight 40" },
    );
    // The cut-over is done: Gloo is dropped.
    await patchCanarySpec(kubeConfig(), ns.name, "podinfo", {
      routers: ["gatewayapi:v1"],
      provider: "gatewayapi:v1",
    });
    await eventually(async () => writtenWeights().gloo.at(-1) === 0, {
      what: "Gloo back on the primary",
    });
    await waitForPhase("Succeeded");
    const after = writtenWeights();
    // kgateway went on stepping without a step back to 0 in between.
    const stepped = after.gatewayapi.slice(before.gatewayapi.length);
    expect(
      stepped.slice(0, -1).every((w, i) => w > (stepped[i - 1] ?? 0)),
    ).toBe(true);
    await eventually(async () => (await api.status()).gateways === undefined, {
      what: "Gloo no longer listed",
    });
  });
});
