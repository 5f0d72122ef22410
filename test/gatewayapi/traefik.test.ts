// The Gateway API router against a real Gateway API implementation: Traefik v3 (built from its Go
// module), its Kubernetes Gateway provider reading this test's own local cluster, proxying to workload
// simulators on loopback. The cluster's Service range is a 127.x range, and Traefik balances to Services
// by ClusterIP (nativeLB), where the simulators listen. A run promoted and one rolled back; the traffic
// split is measured at the proxy (which version answered each request) and the checks read Traefik's own
// Prometheus metrics through MetricTemplates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi, KubernetesObjectApi } from "@kubernetes/client-node";
import { startCluster, type LocalCluster } from "../../dev/cluster/cluster.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import {
  TraefikProcess,
  traefikControllerName,
} from "../../dev/services/traefik.ts";
import {
  loopbackServiceCidr,
  ServiceAddresses,
} from "../../dev/sim/service-addresses.ts";
import { WorkloadSimulator } from "../../dev/sim/workloads.ts";
import type { Canary } from "../../src/api/canary.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { request, versionOf } from "../support/http-client.ts";

const ns = "apps";
let cluster: LocalCluster;
let workloads: WorkloadSimulator;
let services: ServiceAddresses;
const traefik = new TraefikProcess();
const prometheus = new LocalPrometheus();
let operator: OperatorProcess;

/** Traefik names a Gateway API backend service <namespace>-<service>-<port name>-<port>. */
const traefikService =
  "{{ namespace }}-{{ service }}-canary-http-9898@kubernetesgateway";
const templates = [
  {
    name: "traefik-success-rate",
    query: `sum(rate(traefik_service_requests_total{service="${traefikService}",code!~"5.."}[{{ interval }}])) / sum(rate(traefik_service_requests_total{service="${traefikService}"}[{{ interval }}])) * 100`,
  },
  {
    name: "traefik-latency",
    query: `histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service="${traefikService}"}[{{ interval }}])) by (le)) * 1000`,
  },
];

/** Requests through Traefik for as long as it runs, each tallied by the canary weight in force. */
class Traffic {
  readonly byWeight = new Map<number, { canary: number; total: number }>();
  private running = true;
  private done: Promise<void> = Promise.resolve();
  weight = 0;

  start(url: string, canaryVersion: string): void {
    this.running = true;
    this.byWeight.clear();
    const loop = async () => {
      while (this.running) {
        const weight = this.weight;
        const answer = await request(url, {
          host: "podinfo.example.com",
        }).catch(() => undefined);
        const tally = this.byWeight.get(weight) ?? { canary: 0, total: 0 };
        tally.total++;
        if (answer && versionOf(answer) === canaryVersion) tally.canary++;
        this.byWeight.set(weight, tally);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    this.done = Promise.all([loop(), loop()]).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

const custom = () => cluster.kubeConfig().makeApiClient(CustomObjectsApi);
const canaryStatus = async () =>
  (
    (await custom().getNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: ns,
      plural: "canaries",
      name: "podinfo",
    })) as Canary
  ).status ?? {};

async function untilPhase(
  phase: string,
  traffic: Traffic,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await canaryStatus();
    traffic.weight = status.canaryWeight ?? 0;
    if (status.phase === phase) return;
    if (Date.now() > deadline)
      throw new Error(
        `no ${phase} after ${timeoutMs} ms (now ${status.phase}; operator:\n${operator.logTail(10)})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function setImage(version: string): Promise<void> {
  const { AppsV1Api, PatchStrategy, setHeaderOptions } =
    await import("@kubernetes/client-node");
  await cluster
    .kubeConfig()
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment(
      {
        name: "podinfo",
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: "podinfod", image: podinfoImage(version) },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
}

beforeAll(async () => {
  cluster = await startCluster({ serviceCidr: loopbackServiceCidr });
  const kc = cluster.kubeConfig();
  const apply = KubernetesObjectApi.makeApiClient(kc);
  await apply.create({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns },
  });
  workloads = new WorkloadSimulator(kc, ns, {
    "6.0.2": { errorRate: 0.4, latencyMs: 0 },
  });
  await workloads.start();
  services = new ServiceAddresses(kc, ns, workloads);
  await services.start();
  traefik.webPort = await freeLoopbackPort();
  traefik.metricsPort = await freeLoopbackPort();
  await prometheus.start([`127.0.0.1:${traefik.metricsPort}`]);
  for (const object of [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "traefik" },
      spec: { controllerName: traefikControllerName },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: ns },
      spec: {
        gatewayClassName: "traefik",
        // Traefik serves a listener on the entry point with the same port.
        listeners: [
          {
            name: "web",
            protocol: "HTTP",
            port: traefik.webPort,
            allowedRoutes: { namespaces: { from: "Same" } },
          },
        ],
      },
    },
    ...templates.map((t) => ({
      apiVersion: "flagger.app/v1beta1",
      kind: "MetricTemplate",
      metadata: { name: t.name, namespace: ns },
      spec: {
        provider: { type: "prometheus", address: prometheus.url },
        query: t.query,
      },
    })),
  ])
    await apply.create(object);
  await traefik.start(cluster.state, ns, [
    "--providers.kubernetesgateway.nativelbbydefault=true",
  ]);
  operator = new OperatorProcess({
    kubeconfig: cluster.state.kubeconfig,
    namespace: ns,
    metricsServer: prometheus.url,
  });
  operator.start();
}, 240_000);

afterAll(async () => {
  await operator?.stop();
  await traefik.stop();
  await prometheus.stop();
  await services?.stop();
  await workloads?.stop();
  await cluster?.stop({ removeDir: true });
});

describe("a real Gateway API implementation (Traefik v3)", () => {
  it("splits traffic by the weights Siskin writes at every step, judged on Traefik's metrics, and promotes", async () => {
    const kc = cluster.kubeConfig();
    const apply = KubernetesObjectApi.makeApiClient(kc);
    await apply.create(podinfoDeployment(ns) as never);
    const canary = podinfoCanary(ns, {
      stepWeight: 25,
      maxWeight: 75,
      interval: "4s",
      webhooks: [],
      metrics: [
        {
          name: "success-rate",
          templateRef: { name: "traefik-success-rate" },
          thresholdRange: { min: 99 },
          interval: "4s",
        },
        {
          name: "latency",
          templateRef: { name: "traefik-latency" },
          thresholdRange: { max: 500 },
          interval: "4s",
        },
      ],
    });
    delete canary.spec.autoscalerRef;
    canary.spec.provider = "gatewayapi:v1";
    canary.spec.service = {
      ...canary.spec.service,
      hosts: ["podinfo.example.com"],
      gatewayRefs: [{ name: "public" }],
    };
    await apply.create(canary as never);
    const traffic = new Traffic();
    traffic.start(traefik.url, "6.0.1");
    try {
      await untilPhase("Initialized", traffic);
      await setImage("6.0.1");
      await untilPhase("Succeeded", traffic);
    } finally {
      await traffic.stop();
    }
    // At each step, the share of requests the canary answered through Traefik is the step's weight.
    console.info(
      `Traefik split, canary share per step: ${[25, 50, 75]
        .map((w) => {
          const t = traffic.byWeight.get(w);
          return `${w}% -> ${t ? ((t.canary / t.total) * 100).toFixed(1) : "?"}% of ${t?.total ?? 0}`;
        })
        .join(", ")}`,
    );
    for (const weight of [25, 50, 75]) {
      const tally = traffic.byWeight.get(weight);
      expect(tally?.total, `requests at ${weight}`).toBeGreaterThan(40);
      expect(
        Math.abs((tally!.canary / tally!.total) * 100 - weight),
        `canary share at ${weight}`,
      ).toBeLessThan(10);
    }
    const metrics = await (await fetch(`${traefik.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `traefik_service_requests_total\\{code="200",method="GET",protocol="http",service="${ns}-podinfo-canary-http-9898@kubernetesgateway"\\} [1-9]`,
      ),
    );
  });

  it("rolls back a faulty release on Traefik's error rate; traffic goes back to the primary", async () => {
    const traffic = new Traffic();
    traffic.start(traefik.url, "6.0.2");
    try {
      await setImage("6.0.2");
      await untilPhase("Failed", traffic);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await traffic.stop();
    }
    expect((await canaryStatus()).message).toMatch(/success-rate/);
    // Once rolled back (weight 0), the canary answers nothing through the proxy.
    const after = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(traefik.url, { host: "podinfo.example.com" }),
      ),
    );
    expect(new Set(after.map(versionOf))).toEqual(new Set(["6.0.1"]));
  });
});
