// Scenarios S1-S5 of the seed's story (docs/scenarios.md) against the local cluster, a real Prometheus scraping
// Envoy-named series the test controls, a local Slack receiver, and the real operator process
// (test/support/weighted-scenario.ts). The tests run in order on one namespace, like the seed's story:
// initialize, promote, roll back, ...
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoscalingV2Api } from "@kubernetes/client-node";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoHpa,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import {
  PhaseRecorder,
  WeightRecorder,
  promotedRun,
} from "../support/canary-api.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import { emptyDashboardQueries, labelValues } from "../support/grafana.ts";
import { settingsUpstream } from "../support/gloo-upstreams.ts";
import { healthy, WeightedScenario } from "../support/weighted-scenario.ts";

const s = new WeightedScenario();
beforeAll(() => s.start());
afterAll(() => s.stop());

describe("weighted canary on Gloo", () => {
  it("S1: initializes primary, Services, Upstreams, RouteTable and HPA, and scales the target to zero", async () => {
    await s.api.core.createNamespacedConfigMap({
      namespace: s.ns.name,
      body: {
        metadata: { name: "podinfo-config" },
        data: { message: "hello" },
      },
    });
    const deployment = podinfoDeployment(s.ns.name);
    const pod = deployment.spec!.template.spec!;
    pod.volumes = [{ name: "config", configMap: { name: "podinfo-config" } }];
    pod.containers[0]!.volumeMounts = [
      { name: "config", mountPath: "/etc/podinfo" },
    ];
    await s.api.apps.createNamespacedDeployment({
      namespace: s.ns.name,
      body: deployment,
    });
    await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .createNamespacedHorizontalPodAutoscaler({
        namespace: s.ns.name,
        body: podinfoHpa(s.ns.name),
      });
    await s.upstreams().create(settingsUpstream(7));
    const canary = podinfoCanary(s.ns.name);
    canary.spec.upstreamRef = {
      apiVersion: "gloo.solo.io/v1",
      kind: "Upstream",
      name: "podinfo-settings",
    };
    await s.api.createCanary(canary);
    await s.waitForPhase("Initialized");

    const primary = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: s.ns.name,
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
    const copy = await s.api.core.readNamespacedConfigMap({
      name: "podinfo-config-primary",
      namespace: s.ns.name,
    });
    expect(copy.data).toEqual({ message: "hello" });
    expect(Object.keys((await s.api.status()).trackedConfigs ?? {})).toEqual([
      "configmap/podinfo-config",
    ]);
    await eventually(
      async () =>
        (
          await s.api.apps.readNamespacedDeployment({
            name: "podinfo-primary",
            namespace: s.ns.name,
          })
        ).status?.availableReplicas === 2,
      { what: "primary available" },
    );

    const services = await s.api.core.listNamespacedService({
      namespace: s.ns.name,
    });
    const selectors = Object.fromEntries(
      services.items.map((svc) => [svc.metadata?.name, svc.spec?.selector]),
    );
    expect(selectors).toEqual({
      podinfo: { app: "podinfo-primary" },
      "podinfo-primary": { app: "podinfo-primary" },
      "podinfo-canary": { app: "podinfo" },
    });
    await s.api.routedTo([100, 0]);
    for (const role of ["primary", "canary"]) {
      const upstream = await s
        .upstreams()
        .read(`${s.ns.name}-podinfo-${role}upstream-9898`);
      // Settings copied from upstreamRef; where endpoints come from is Siskin's own (kube, not static).
      expect(upstream.spec).toEqual({
        useHttp2: true,
        connectionConfig: { maxRequestsPerConnection: 7 },
        kube: {
          serviceName: `podinfo-${role}`,
          serviceNamespace: s.ns.name,
          servicePort: 9898,
        },
      });
    }
    const hpa = await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .readNamespacedHorizontalPodAutoscaler({
        name: "podinfo-primary",
        namespace: s.ns.name,
      });
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 4,
      scaleTargetRef: { name: "podinfo-primary" },
    });
    await eventually(async () => (await s.api.replicas("podinfo")) === 0, {
      what: "target scaled to 0",
    });
    await eventually(
      async () =>
        s.slack.payloads.some((p) => p.text.includes("Initialization done")),
      { what: "initialized message" },
    );
    expect(s.slack.payloads[0]).toMatchObject({
      channel: "general",
      username: "siskin",
    });
  });

  it("S2: steps 5..50 on the RouteTable, survives an operator kill mid-analysis, and promotes", async () => {
    const recorder = new WeightRecorder();
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await recorder.start(s.api);
    const changedAt = Date.now();
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    // Watch-driven: an idle canary has no timer, so only the Deployment watch can start the run this fast.
    await eventually(
      async () => (await s.api.status()).phase === "Progressing",
      {
        intervalMs: 50,
        what: "the run to start",
      },
    );
    expect(Date.now() - changedAt).toBeLessThan(2000);
    await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 20, {
      timeoutMs: 60_000,
      what: "weight 20",
    });

    await s.operator.kill();
    const atKill = await s.api.status();
    expect(atKill.phase).toBe("Progressing");
    s.operator.start();
    // Flagger's series during the run, as Flagger reports them: status 0 while Progressing, the
    // weights of podinfo-primary and podinfo summing to 100, labelled with the target's name.
    const during = await eventually(
      async () => {
        const weight = await s.operator.metric("flagger_canary_weight", {
          workload: "podinfo",
          namespace: s.ns.name,
        });
        return weight >= 25 && weight;
      },
      { timeoutMs: 60_000, what: "flagger_canary_weight at 25 or more" },
    );
    expect(during).toBeLessThanOrEqual(50);
    expect(
      await s.operator.metric("flagger_canary_status", {
        name: "podinfo",
        namespace: s.ns.name,
      }),
    ).toBe(0);
    expect(
      (await s.operator.metric("flagger_canary_weight", {
        workload: "podinfo-primary",
        namespace: s.ns.name,
      })) +
        (await s.operator.metric("flagger_canary_weight", {
          workload: "podinfo",
          namespace: s.ns.name,
        })),
    ).toBe(100);
    await s.waitForPhase("Succeeded", 120_000);
    recorder.stop();
    await phases.stopAfter("Succeeded");
    // The promotion re-asserts the primary's Services against the watch cache: unchanged since the
    // initialization, the restarted operator writes none of them (it wrote each on every reconcile
    // while the primary rolled out, when Services were not watched).
    expect(
      await s.operator.metric("rest_client_requests_total", {
        verb: "APPLY",
        resource: "services",
      }),
    ).toBe(0);
    expect(
      await s.operator.metric("rest_client_requests_total", {
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
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await s.api.routedTo([100, 0]);
    // After the promotion: status 1, one success with Flagger's labels, per-tick durations (seconds,
    // well under Flagger's 10 s top bucket), request-duration in seconds (the exporter serves 20 ms).
    const labels = { name: "podinfo", namespace: s.ns.name };
    expect(await s.operator.metric("flagger_canary_status", labels)).toBe(1);
    expect(
      await s.operator.metric("flagger_canary_successes_total", {
        ...labels,
        deployment_strategy: "canary",
        analysis_status: "completed",
      }),
    ).toBe(1);
    expect(
      await s.operator.metric("flagger_canary_duration_seconds_count", labels),
    ).toBeGreaterThan(3);
    expect(
      await s.operator.metric("flagger_canary_duration_seconds_bucket", {
        ...labels,
        le: "+Inf",
      }),
    ).toBe(
      await s.operator.metric("flagger_canary_duration_seconds_bucket", {
        ...labels,
        le: "10",
      }),
    );
    const latency = await s.operator.metric("flagger_canary_metric_analysis", {
      ...labels,
      metric: "request-duration",
    });
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThan(0.5);
    expect(
      await s.operator.metric("flagger_canary_metric_analysis", {
        ...labels,
        metric: "request-success-rate",
      }),
    ).toBe(100);
    await eventually(async () => (await s.api.replicas("podinfo")) === 0, {
      what: "target back at 0",
    });
    await s.slack.textContaining("Promotion completed");
    const texts = s.slack.payloads.map((p) => p.text);
    expect(texts.some((t) => t.includes("New revision detected"))).toBe(true);
    const events = (await s.api.eventMessages()).map((e) => e.message);
    for (const w of [5, 25, 50])
      expect(events).toContainEqual(
        expect.stringMatching(
          new RegExp(`^Advance podinfo\\.${s.ns.name} canary weight ${w}( |$)`),
        ),
      );
    expect(
      events.some((m) =>
        /metric request-success-rate 100 within threshold >= 99/.test(m),
      ),
    ).toBe(true);
  });

  it("S3: rolls back a version whose traffic fails, naming metric, value and threshold", async () => {
    s.exporter.setTraffic(s.canaryCluster, {
      rps: 50,
      errorRate: 0.5,
      latencyMs: 20,
    });
    await eventually(
      async () => {
        const r = await fetch(
          `${s.prometheus.url}/api/v1/query?query=${encodeURIComponent(`sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="${s.canaryCluster}",envoy_response_code="500"}[10s]))`)}`,
        );
        const body = (await r.json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return Number(body.data.result[0]?.value[1] ?? 0) > 20;
      },
      { what: "Prometheus to see the 5xx" },
    );
    s.slack.payloads.length = 0;
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.2"));
    await s.waitForPhase("Failed", 90_000);
    await phases.stopAfter("Failed");
    expect(phases.seen).toEqual(["Succeeded", "Progressing", "Failed"]);

    const status = await s.api.status();
    expect(status.failedChecks).toBe(5);
    expect(status.canaryWeight).toBe(0);
    await s.api.routedTo([100, 0]);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await eventually(async () => (await s.api.replicas("podinfo")) === 0, {
      what: "target at 0",
    });
    const rollback = await eventually(
      async () => s.slack.payloads.find((p) => p.text.includes("Rolling back")),
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
      await s.operator.metric("flagger_canary_status", {
        name: "podinfo",
        namespace: s.ns.name,
      }),
    ).toBe(2);
    expect(
      await s.operator.metric("flagger_canary_failures_total", {
        name: "podinfo",
        namespace: s.ns.name,
        deployment_strategy: "canary",
        analysis_status: "completed",
      }),
    ).toBe(1);
  });

  it("S4: a new revision during analysis restarts from weight 0 on the newest revision", async () => {
    s.exporter.setTraffic(s.canaryCluster, healthy);
    await s.api.setImage("podinfo", podinfoImage("6.0.3"));
    await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 10, {
      timeoutMs: 60_000,
      what: "weight 10",
    });
    const before = await s.api.status();
    await s.api.setImage("podinfo", podinfoImage("6.0.4"));
    await eventually(
      async () => {
        const status = await s.api.status();
        return (
          status.lastAppliedSpec !== before.lastAppliedSpec &&
          status.phase === "Progressing" &&
          status.canaryWeight === 0 &&
          status
        );
      },
      { timeoutMs: 10_000, what: "analysis restarted at weight 0" },
    );
    await s.api.routedTo([100, 0]);
    await s.waitForPhase("Succeeded", 120_000);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.4"));
  });

  it("S5: every query of the chart's Grafana dashboard returns series for this fleet", async () => {
    // After S1-S4 (promotions, a rollback, failed checks, a restart): each panel query, as Grafana sends
    // it with "All" selected, against the Prometheus that scrapes the operator.
    expect(await emptyDashboardQueries(s.selfPrometheus.url)).toEqual([]);
    // The variables' own queries (label_values) find the operator's job and this namespace.
    const url = s.selfPrometheus.url;
    expect(
      (await labelValues(url, "job", "flagger_info")).length,
    ).toBeGreaterThan(0);
    expect(
      await labelValues(url, "namespace", "flagger_canary_total"),
    ).toContain(s.ns.name);
  });
});
