// Scenarios S6 (A/B on Gloo), S7 (blue/green on the kubernetes provider) and S8 (config change) on the
// local cluster; each phase sequence is asserted from the status history the test observes.
import { describe, expect, it } from "vitest";
import {
  AutoscalingV2Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { PhaseRecorder, promotedRun } from "../support/canary-api.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import { envoyMetrics } from "../support/envoy-metrics.ts";
import { initializePodinfo, type Scenario } from "../support/scenario.ts";

const metrics = envoyMetrics();

async function scenario(prefix: string): Promise<Scenario> {
  const s = await metrics.scenario(prefix);
  const cluster = metrics.cluster(s, "canary");
  metrics.exporter.setTraffic(cluster, {
    rps: 20,
    errorRate: 0,
    latencyMs: 10,
  });
  // The release's checks need data: wait until Prometheus has it rather than hope it will in time.
  await metrics.prometheus.waitForTraffic(cluster);
  return s;
}

type Route = {
  matchers?: { headers?: { name: string; value: string; regex?: boolean }[] }[];
  routeAction: {
    multi: {
      destinations: {
        weight: number;
        destination: { upstream: { name: string } };
      }[];
    };
  };
};

async function routes(s: Scenario): Promise<Route[]> {
  const table = (await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: "gateway.solo.io",
      version: "v1",
      plural: "routetables",
      namespace: s.ns,
      name: "podinfo",
    })) as {
    spec: { routes: Route[] };
  };
  return table.spec.routes;
}

describe("S6: A/B testing on Gloo", () => {
  it("sends requests with x-canary: insider to the canary, the rest to the primary, then promotes", async () => {
    const s = await scenario("ab");
    const canary = podinfoCanary(s.ns, {
      interval: "1s",
      stepWeight: undefined,
      maxWeight: undefined,
      iterations: 3,
      match: [
        {
          headers: {
            "x-canary": { exact: "insider" },
            "user-agent": { prefix: "Mozilla/5.0 (" },
          },
        },
      ],
    });
    await initializePodinfo(s, canary);
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));

    const during = await eventually(
      async () => {
        const r = await routes(s);
        return r.length === 2 && r;
      },
      { what: "A/B routes on the RouteTable" },
    );
    const [matched, fallback] = during;
    // Read back from the API server: the header matchers survived the real Gloo schema (nothing pruned).
    // (The API server stores the match's header map with sorted keys, so the order is not asserted.)
    expect(matched?.matchers).toHaveLength(1);
    expect(matched?.matchers?.[0]?.headers).toHaveLength(2);
    expect(matched?.matchers?.[0]?.headers).toEqual(
      expect.arrayContaining([
        { name: "x-canary", value: "insider" },
        { name: "user-agent", value: "^Mozilla/5\\.0 \\(.*", regex: true },
      ]),
    );
    expect(matched?.routeAction.multi.destinations).toEqual([
      {
        weight: 100,
        destination: {
          upstream: {
            name: `${s.ns}-podinfo-canaryupstream-9898`,
            namespace: s.ns,
          },
        },
      },
    ]);
    const fallbackWeights = fallback?.routeAction.multi.destinations.map(
      (d) => [d.destination.upstream.name, d.weight],
    );
    expect(fallbackWeights).toEqual([
      [`${s.ns}-podinfo-primaryupstream-9898`, 100],
      [`${s.ns}-podinfo-canaryupstream-9898`, 0],
    ]);

    await s.waitForPhase("Succeeded");
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual(promotedRun);
    expect((await s.api.status()).iterations).toBe(3);
    expect(await routes(s)).toHaveLength(1);
    await s.api.routedTo([100, 0]);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });
});

describe("S7: blue/green on the kubernetes provider", () => {
  it("runs the iterations with no traffic split, the canary reachable through podinfo-canary, then promotes", async () => {
    const s = await scenario("bg");
    const canary = podinfoCanary(s.ns, {
      interval: "1s",
      stepWeight: undefined,
      maxWeight: undefined,
      iterations: 2,
      metrics: [],
    });
    canary.spec.provider = "kubernetes";
    await initializePodinfo(s, canary);
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(
      async () =>
        (await s.api.status()).phase === "Progressing" &&
        (await s.api.replicas("podinfo")) === 2,
      { what: "canary scaled up" },
    );

    const canaryService = await s.api.core.readNamespacedService({
      name: "podinfo-canary",
      namespace: s.ns,
    });
    expect(canaryService.spec?.selector).toEqual({ app: "podinfo" });
    const apex = await s.api.core.readNamespacedService({
      name: "podinfo",
      namespace: s.ns,
    });
    expect(apex.spec?.selector).toEqual({ app: "podinfo-primary" });
    expect(await s.api.weights()).toBeUndefined(); // no router objects: no traffic split

    await s.waitForPhase("Succeeded");
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual(promotedRun);
    expect((await s.api.status()).iterations).toBe(2);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await eventually(async () => (await s.api.replicas("podinfo")) === 0, {
      what: "target back at 0",
    });
  });
});

describe("S8: config change, and HPA changes carried at promotion", () => {
  it("starts a run on a ConfigMap edit alone and promotes the updated -primary copy and HPA", async () => {
    const s = await scenario("cfg");
    await s.api.core.createNamespacedConfigMap({
      namespace: s.ns,
      body: { metadata: { name: "podinfo-config" }, data: { color: "blue" } },
    });
    const canary = podinfoCanary(s.ns, {
      interval: "1s",
      stepWeight: 25,
      maxWeight: 50,
    });
    const { podinfoDeployment } = await import("../fixtures/podinfo.ts");
    const deployment = podinfoDeployment(s.ns);
    deployment.spec!.template.spec!.containers[0]!.envFrom = [
      { configMapRef: { name: "podinfo-config" } },
    ];
    await s.api.apps.createNamespacedDeployment({
      namespace: s.ns,
      body: deployment,
    });
    const hpas = kubeConfig().makeApiClient(AutoscalingV2Api);
    const { podinfoHpa } = await import("../fixtures/podinfo.ts");
    await hpas.createNamespacedHorizontalPodAutoscaler({
      namespace: s.ns,
      body: podinfoHpa(s.ns),
    });
    await s.api.createCanary(canary);
    await s.waitForPhase("Initialized");
    const templateBefore = JSON.stringify(
      (
        await s.api.apps.readNamespacedDeployment({
          name: "podinfo",
          namespace: s.ns,
        })
      ).spec?.template,
    );

    // The HPA is edited first (carried at promotion), then only the ConfigMap changes.
    // Merge patches (no resourceVersion): the HPA controller writes the same object concurrently.
    await hpas.patchNamespacedHorizontalPodAutoscaler(
      {
        name: "podinfo",
        namespace: s.ns,
        body: {
          spec: {
            minReplicas: 3,
            maxReplicas: 6,
            metrics: [
              {
                type: "Resource",
                resource: {
                  name: "memory",
                  target: { type: "Utilization", averageUtilization: 80 },
                },
              },
            ],
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.core.replaceNamespacedConfigMap({
      name: "podinfo-config",
      namespace: s.ns,
      body: { metadata: { name: "podinfo-config" }, data: { color: "green" } },
    });

    await s.waitForPhase("Progressing", 10_000);
    const templateAfter = JSON.stringify(
      (
        await s.api.apps.readNamespacedDeployment({
          name: "podinfo",
          namespace: s.ns,
        })
      ).spec?.template,
    );
    expect(templateAfter).toBe(templateBefore); // the ConfigMap alone started the run
    await eventually(async () => (await s.api.replicas("podinfo")) === 3, {
      what: "canary scaled to the HPA minimum",
    });
    await s.waitForPhase("Succeeded");
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual(promotedRun);

    const primary = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: s.ns,
    });
    expect(primary.spec?.template.spec?.containers[0]?.envFrom).toEqual([
      { configMapRef: { name: "podinfo-config-primary" } },
    ]);
    const copy = await s.api.core.readNamespacedConfigMap({
      name: "podinfo-config-primary",
      namespace: s.ns,
    });
    expect(copy.data).toEqual({ color: "green" });
    const primaryHpa = await hpas.readNamespacedHorizontalPodAutoscaler({
      name: "podinfo-primary",
      namespace: s.ns,
    });
    expect(primaryHpa.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 6,
      scaleTargetRef: { name: "podinfo-primary" },
    });
    expect(primaryHpa.spec?.metrics?.[0]?.resource?.name).toBe("memory");
  });
});
