// Scenarios S1-S5 of the seed's story (docs/scenarios.md) against the local cluster, a real Prometheus scraping
// Envoy-named series the test controls, a local Slack receiver, and the real operator process.
// The tests run in order on one namespace, like the seed's story: initialize, promote, roll back, ...
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoscalingV2Api } from "@kubernetes/client-node";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoHpa,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import {
  CanaryApi,
  PhaseRecorder,
  WeightRecorder,
  promotedRun,
} from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { EnvoyExporter } from "../support/envoy-exporter.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { dashboardQueries } from "../support/grafana.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import { settingsUpstream, UpstreamApi } from "../support/gloo-upstreams.ts";

const healthy = { rps: 50, errorRate: 0, latencyMs: 20 };
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
const exporter = new EnvoyExporter();
const prometheus = new LocalPrometheus();
/** A second real Prometheus scraping the operator's /metrics, as a user's does (S5: the dashboard). */
const selfPrometheus = new LocalPrometheus();
const slack = new SlackReceiver();
let operator: OperatorProcess;
let canaryCluster = "";
const upstreams = () => new UpstreamApi(kubeConfig(), ns.name);

async function waitForPhase(phase: string, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => (await api.status()).phase === phase, {
    timeoutMs,
    what: `canary phase ${phase} (operator log:\n${operator.logTail(10)})`,
  });
}

beforeAll(async () => {
  ns = await createTestNamespace("apps");
  api = new CanaryApi(kubeConfig(), ns.name);
  canaryCluster = `${ns.name}-podinfo-canaryupstream-9898_${ns.name}`;
  exporter.setTraffic(canaryCluster, healthy);
  await exporter.start();
  await Promise.all([
    prometheus.start([`127.0.0.1:${exporter.port}`]),
    slack.start(),
  ]);
  // A fixed port: the Prometheus that scrapes the operator finds it again after S2's kill.
  const operatorPort = await freeLoopbackPort();
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: prometheus.url,
    slackUrl: slack.url,
    port: operatorPort,
  });
  operator.start();
  await selfPrometheus.start([`127.0.0.1:${operatorPort}`]);
});

afterAll(async () => {
  await operator?.stop();
  await Promise.all([
    prometheus.stop(),
    selfPrometheus.stop(),
    slack.stop(),
    exporter.stop(),
  ]);
  await ns?.dispose();
});

describe("weighted canary on Gloo", () => {
  it("S1: initializes primary, Services, Upstreams, RouteTable and HPA, and scales the target to zero", async () => {
    await api.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: {
        metadata: { name: "podinfo-config" },
        data: { message: "hello" },
      },
    });
    const deployment = podinfoDeployment(ns.name);
    const pod = deployment.spec!.template.spec!;
    pod.volumes = [{ name: "config", configMap: { name: "podinfo-config" } }];
    pod.containers[0]!.volumeMounts = [
      { name: "config", mountPath: "/etc/podinfo" },
    ];
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: deployment,
    });
    await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .createNamespacedHorizontalPodAutoscaler({
        namespace: ns.name,
        body: podinfoHpa(ns.name),
      });
    await upstreams().create(settingsUpstream(7));
    const canary = podinfoCanary(ns.name);
    canary.spec.upstreamRef = {
      apiVersion: "gloo.solo.io/v1",
      kind: "Upstream",
      name: "podinfo-settings",
    };
    await api.createCanary(canary);
    await waitForPhase("Initialized");

    const primary = await api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: ns.name,
    });
    expect(primary.spec?.template.spec?.containers[0]?.image).toBe(
      podinfoImage("6.0.0"),
    );
    expect(primary.spec?.selector.matchLabels).toEqual({
      app: "podinfo-primary",
    });
    expect(primary.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Canary",
      name: "podinfo",
      controller: true,
    });
    // The mounted ConfigMap is copied as -primary, the primary uses the copy, and its checksum is tracked.
    expect(primary.spec?.template.spec?.volumes?.[0]?.configMap?.name).toBe(
      "podinfo-config-primary",
    );
    const copy = await api.core.readNamespacedConfigMap({
      name: "podinfo-config-primary",
      namespace: ns.name,
    });
    expect(copy.data).toEqual({ message: "hello" });
    expect(Object.keys((await api.status()).trackedConfigs ?? {})).toEqual([
      "configmap/podinfo-config",
    ]);
    await eventually(
      async () =>
        (
          await api.apps.readNamespacedDeployment({
            name: "podinfo-primary",
            namespace: ns.name,
          })
        ).status?.availableReplicas === 2,
      { what: "primary available" },
    );

    const services = await api.core.listNamespacedService({
      namespace: ns.name,
    });
    const selectors = Object.fromEntries(
      services.items.map((s) => [s.metadata?.name, s.spec?.selector]),
    );
    expect(selectors).toEqual({
      podinfo: { app: "podinfo-primary" },
      "podinfo-primary": { app: "podinfo-primary" },
      "podinfo-canary": { app: "podinfo" },
    });
    await api.routedTo([100, 0]);
    for (const role of ["primary", "canary"]) {
      const upstream = await upstreams().read(
        `${ns.name}-podinfo-${role}upstream-9898`,
      );
      // Settings copied from upstreamRef; where endpoints come from is Siskin's own (kube, not static).
      expect(upstream.spec).toEqual({
        useHttp2: true,
        connectionConfig: { maxRequestsPerConnection: 7 },
        kube: {
          serviceName: `podinfo-${role}`,
          serviceNamespace: ns.name,
          servicePort: 9898,
        },
      });
    }
    const hpa = await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .readNamespacedHorizontalPodAutoscaler({
        name: "podinfo-primary",
        namespace: ns.name,
      });
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 4,
      scaleTargetRef: { name: "podinfo-primary" },
    });
    await eventually(async () => (await api.replicas("podinfo")) === 0, {
      what: "target scaled to 0",
    });
    await eventually(
      async () =>
        slack.payloads.some((p) => p.text.includes("Initialization done")),
      { what: "initialized message" },
    );
    expect(slack.payloads[0]).toMatchObject({
      channel: "general",
      username: "siskin",
    });
  });

  it("S2: steps 5..50 on the RouteTable, survives an operator kill mid-analysis, and promotes", async () => {
    const recorder = new WeightRecorder();
    const phases = new PhaseRecorder();
    await phases.start(api);
    await recorder.start(api);
    const changedAt = Date.now();
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    // Watch-driven: an idle canary has no timer, so only the Deployment watch can start the run this fast.
    await eventually(async () => (await api.status()).phase === "Progressing", {
      intervalMs: 50,
      what: "the run to start",
    });
    expect(Date.now() - changedAt).toBeLessThan(2000);
    await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 20, {
      timeoutMs: 60_000,
      what: "weight 20",
    });

    await operator.kill();
    const atKill = await api.status();
    expect(atKill.phase).toBe("Progressing");
    operator.start();
    // Flagger's series during the run, as Flagger reports them: status 0 while Progressing, the
    // weights of podinfo-primary and podinfo summing to 100, labelled with the target's name.
    const during = await eventually(
      async () => {
        const weight = await operator.metric("flagger_canary_weight", {
          workload: "podinfo",
          namespace: ns.name,
        });
        return weight >= 25 && weight;
      },
      { timeoutMs: 60_000, what: "flagger_canary_weight at 25 or more" },
    );
    expect(during).toBeLessThanOrEqual(50);
    expect(
      await operator.metric("flagger_canary_status", {
        name: "podinfo",
        namespace: ns.name,
      }),
    ).toBe(0);
    expect(
      (await operator.metric("flagger_canary_weight", {
        workload: "podinfo-primary",
        namespace: ns.name,
      })) +
        (await operator.metric("flagger_canary_weight", {
          workload: "podinfo",
          namespace: ns.name,
        })),
    ).toBe(100);
    await waitForPhase("Succeeded", 120_000);
    recorder.stop();
    await phases.stopAfter("Succeeded");
    // The promotion re-asserts the primary's Services against the watch cache: unchanged since the
    // initialization, the restarted operator writes none of them (it wrote each on every reconcile
    // while the primary rolled out, when Services were not watched).
    expect(
      await operator.metric("rest_client_requests_total", {
        verb: "APPLY",
        resource: "services",
      }),
    ).toBe(0);
    expect(
      await operator.metric("rest_client_requests_total", {
        verb: "APPLY",
        resource: "deployments",
      }),
    ).toBeGreaterThan(0);
    // The same phases a run without the kill goes through: none repeated, none skipped.
    expect(phases.seen).toEqual(promotedRun);

    // Every step once, in order, across the restart: nothing skipped, repeated or undone.
    expect(recorder.seen).toEqual([
      0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 0,
    ]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await api.routedTo([100, 0]);
    // After the promotion: status 1, one success with Flagger's labels, per-tick durations (seconds,
    // well under Flagger's 10 s top bucket), request-duration in seconds (the exporter serves 20 ms).
    const labels = { name: "podinfo", namespace: ns.name };
    expect(await operator.metric("flagger_canary_status", labels)).toBe(1);
    expect(
      await operator.metric("flagger_canary_successes_total", {
        ...labels,
        deployment_strategy: "canary",
        analysis_status: "completed",
      }),
    ).toBe(1);
    expect(
      await operator.metric("flagger_canary_duration_seconds_count", labels),
    ).toBeGreaterThan(3);
    expect(
      await operator.metric("flagger_canary_duration_seconds_bucket", {
        ...labels,
        le: "+Inf",
      }),
    ).toBe(
      await operator.metric("flagger_canary_duration_seconds_bucket", {
        ...labels,
        le: "10",
      }),
    );
    const latency = await operator.metric("flagger_canary_metric_analysis", {
      ...labels,
      metric: "request-duration",
    });
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(0.5);
    expect(
      await operator.metric("flagger_canary_metric_analysis", {
        ...labels,
        metric: "request-success-rate",
      }),
    ).toBe(100);
    await eventually(async () => (await api.replicas("podinfo")) === 0, {
      what: "target back at 0",
    });
    await slack.textContaining("Promotion completed");
    const texts = slack.payloads.map((p) => p.text);
    expect(texts.some((t) => t.includes("New revision detected"))).toBe(true);
    const events = (await api.eventMessages()).map((e) => e.message);
    for (const w of [5, 25, 50])
      expect(events).toContainEqual(
        expect.stringMatching(
          new RegExp(`^Advance podinfo\\.${ns.name} canary weight ${w}( |$)`),
        ),
      );
    expect(
      events.some((m) =>
        /metric request-success-rate 100 within threshold >= 99/.test(m),
      ),
    ).toBe(true);
  });

  it("S3: rolls back a version whose traffic fails, naming metric, value and threshold", async () => {
    exporter.setTraffic(canaryCluster, {
      rps: 50,
      errorRate: 0.5,
      latencyMs: 20,
    });
    await eventually(
      async () => {
        const r = await fetch(
          `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="${canaryCluster}",envoy_response_code="500"}[10s]))`)}`,
        );
        const body = (await r.json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return Number(body.data.result[0]?.value[1] ?? 0) > 20;
      },
      { what: "Prometheus to see the 5xx" },
    );
    slack.payloads.length = 0;
    const phases = new PhaseRecorder();
    await phases.start(api);
    await api.setImage("podinfo", podinfoImage("6.0.2"));
    await waitForPhase("Failed", 90_000);
    await phases.stopAfter("Failed");
    expect(phases.seen).toEqual(["Succeeded", "Progressing", "Failed"]);

    const status = await api.status();
    expect(status.failedChecks).toBe(5);
    expect(status.canaryWeight).toBe(0);
    await api.routedTo([100, 0]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await eventually(async () => (await api.replicas("podinfo")) === 0, {
      what: "target at 0",
    });
    const rollback = await eventually(
      async () => slack.payloads.find((p) => p.text.includes("Rolling back")),
      { what: "rollback message" },
    );
    const reason =
      rollback.attachments?.[0]?.fields?.find((f) => f.title === "Reason")
        ?.value ?? "";
    expect(reason).toMatch(
      /metric request-success-rate 50(\.\d+)? outside threshold >= 99/,
    );
    expect(rollback.attachments?.[0]?.color).toBe("danger");
    expect(
      await operator.metric("flagger_canary_status", {
        name: "podinfo",
        namespace: ns.name,
      }),
    ).toBe(2);
    expect(
      await operator.metric("flagger_canary_failures_total", {
        name: "podinfo",
        namespace: ns.name,
        deployment_strategy: "canary",
        analysis_status: "completed",
      }),
    ).toBe(1);
  });

  it("S4: a new revision during analysis restarts from weight 0 on the newest revision", async () => {
    exporter.setTraffic(canaryCluster, healthy);
    await api.setImage("podinfo", podinfoImage("6.0.3"));
    await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 10, {
      timeoutMs: 60_000,
      what: "weight 10",
    });
    const before = await api.status();
    await api.setImage("podinfo", podinfoImage("6.0.4"));
    await eventually(
      async () => {
        const s = await api.status();
        return (
          s.lastAppliedSpec !== before.lastAppliedSpec &&
          s.phase === "Progressing" &&
          s.canaryWeight === 0 &&
          s
        );
      },
      { timeoutMs: 10_000, what: "analysis restarted at weight 0" },
    );
    await api.routedTo([100, 0]);
    await waitForPhase("Succeeded", 120_000);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.4"));
  });

  it("S5: every query of the chart's Grafana dashboard returns series for this fleet", async () => {
    // After S1-S4 (promotions, a rollback, failed checks, a restart): each panel query, as Grafana sends
    // it with "All" selected, against the Prometheus that scrapes the operator.
    const empty: string[] = [];
    for (const query of dashboardQueries()) {
      const answer = (await (
        await fetch(
          `${selfPrometheus.url}/api/v1/query?query=${encodeURIComponent(query.expr)}`,
        )
      ).json()) as {
        status: string;
        error?: string;
        data?: { result: unknown[] };
      };
      expect(
        answer,
        `${query.panel} ${query.refId}: ${answer.error}`,
      ).toMatchObject({
        status: "success",
      });
      if ((answer.data?.result.length ?? 0) === 0)
        empty.push(`${query.panel} ${query.refId}: ${query.expr}`);
    }
    expect(empty).toEqual([]);
    // The variables' own queries (label_values) find the operator's job and this namespace.
    const jobs = await (
      await fetch(
        `${selfPrometheus.url}/api/v1/label/job/values?match[]=flagger_info`,
      )
    ).json();
    expect((jobs as { data: string[] }).data.length).toBeGreaterThan(0);
    const namespaces = (await (
      await fetch(
        `${selfPrometheus.url}/api/v1/label/namespace/values?match[]=flagger_canary_total`,
      )
    ).json()) as { data: string[] };
    expect(namespaces.data).toContain(ns.name);
  });
});
