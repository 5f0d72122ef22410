// Scenario S10: a Canary whose only checks are MetricTemplates, one per provider (Prometheus with
// templateVariables, Datadog and CloudWatch with credentials), promotes on good data and rolls back
// on bad data. Also: a provider that hangs does not delay another canary's analysis.
import {
  CloudWatchClient,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { DatadogStub } from "../support/datadog-stub.ts";
import { EnvoyExporter } from "../support/envoy-exporter.ts";
import { MotoServer, motoEnv } from "../support/moto.ts";
import { AuthProxy } from "../support/auth-proxy.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";

const exporter = new EnvoyExporter();
const prometheus = new LocalPrometheus();
const datadog = new DatadogStub();
const moto = new MotoServer();
let hanging: Server;
let proxy: AuthProxy;
let hangingPort = 0;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
let operator: OperatorProcess;

const templateApi = {
  group: "flagger.app",
  version: "v1beta1",
  plural: "metrictemplates",
};
async function template(
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      ...templateApi,
      namespace: ns.name,
      body: {
        apiVersion: "flagger.app/v1beta1",
        kind: "MetricTemplate",
        metadata: { name },
        spec,
      },
    });
}

const cloudwatchQuery = JSON.stringify([
  {
    Id: "errors",
    MetricStat: {
      Metric: {
        Namespace: "Siskin/S10",
        MetricName: "5xx",
        Dimensions: [{ Name: "Service", Value: "podinfo" }],
      },
      Period: 60,
      Stat: "Sum",
    },
  },
]);

beforeAll(async () => {
  ns = await createTestNamespace("tpl");
  api = new CanaryApi(kubeConfig(), ns.name);
  exporter.setTraffic(`${ns.name}-podinfo-canaryupstream-9898_${ns.name}`, {
    rps: 50,
    errorRate: 0,
    latencyMs: 10,
  });
  await exporter.start();
  await Promise.all([
    prometheus.start([`127.0.0.1:${exporter.port}`]),
    datadog.start(),
    moto.start(),
  ]);
  // Prometheus behind a proxy that demands the bearer token kept in a Kubernetes Secret.
  proxy = new AuthProxy(prometheus.url, ["Bearer prom-t0ken"]);
  await proxy.start();
  await api.core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: "prom-auth" },
      stringData: { token: "prom-t0ken" },
    },
  });
  // A server that accepts connections and never answers.
  hanging = createServer(() => undefined);
  await new Promise<void>((resolve) =>
    hanging.listen({ host: "127.0.0.1", port: 0 }, resolve),
  );
  hangingPort = (hanging.address() as { port: number }).port;

  const cw = new CloudWatchClient({
    region: "us-east-1",
    endpoint: moto.url,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  await cw.send(
    new PutMetricDataCommand({
      Namespace: "Siskin/S10",
      MetricData: [
        {
          MetricName: "5xx",
          Dimensions: [{ Name: "Service", Value: "podinfo" }],
          Value: 2,
          Timestamp: new Date(Date.now() - 90_000),
        },
      ],
    }),
  );
  datadog.series.set("avg:trace.http.request.duration{service:podinfo}", [
    [1, 120],
  ]);
  await api.core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: "datadog" },
      stringData: {
        datadog_api_key: datadog.apiKey,
        datadog_application_key: datadog.applicationKey,
      },
    },
  });
  await template("error-rate", {
    provider: {
      type: "prometheus",
      address: proxy.url,
      secretRef: { name: "prom-auth" },
    },
    query:
      'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ namespace }}-{{ target }}-canaryupstream-9898_{{ namespace }}",envoy_response_code=~"{{ variables.codes }}"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ namespace }}-{{ target }}-canaryupstream-9898_{{ namespace }}"}[{{ interval }}])) * 100 or on() vector(0)',
  });
  await template("latency", {
    provider: {
      type: "datadog",
      address: datadog.url,
      secretRef: { name: "datadog" },
    },
    query: "avg:trace.http.request.duration{service:{{ target }}}",
  });
  await template("cw-errors", {
    provider: { type: "cloudwatch", region: "us-east-1", address: moto.url },
    query: cloudwatchQuery,
  });
  await template("stuck", {
    provider: {
      type: "prometheus",
      address: `http://127.0.0.1:${hangingPort}`,
    },
    query: "vector(1)",
  });

  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: "http://127.0.0.1:9",
    env: motoEnv,
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  hanging?.close();
  await proxy?.stop();
  await Promise.all([
    prometheus.stop(),
    datadog.stop(),
    moto.stop(),
    exporter.stop(),
  ]);
  await ns?.dispose();
});

describe("S10: MetricTemplates drive the verdicts", () => {
  it("promotes on good data from Prometheus, Datadog and CloudWatch, and rolls back on bad data", async () => {
    const canary = podinfoCanary(ns.name, {
      interval: "1s",
      stepWeight: 25,
      maxWeight: 50,
      threshold: 2,
      metrics: [
        {
          name: "error-rate",
          templateRef: { name: "error-rate" },
          templateVariables: { codes: "5.." },
          thresholdRange: { max: 1 },
          interval: "30s",
        },
        {
          name: "latency",
          templateRef: { name: "latency", namespace: ns.name },
          thresholdRange: { max: 500 },
        },
        {
          name: "cloudwatch-5xx",
          templateRef: { name: "cw-errors" },
          thresholdRange: { max: 10 },
        },
      ],
    });
    delete canary.spec.autoscalerRef;
    const { podinfoDeployment } = await import("../fixtures/podinfo.ts");
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: podinfoDeployment(ns.name),
    });
    await api.createCanary(canary);
    await eventually(async () => (await api.status()).phase === "Initialized", {
      what: "Initialized",
    });
    // Provider availability, reported without blocking initialization.
    await eventually(
      async () =>
        (await api.eventMessages()).filter(
          (e) => e.reason === "ProviderReachable",
        ).length === 3,
      {
        what: "three ProviderReachable events",
      },
    );

    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => (await api.status()).phase === "Succeeded", {
      timeoutMs: 60_000,
      what: `Succeeded (${operator.logTail(5)})`,
    });
    const passed = await api.eventMessages();
    expect(
      passed.some((e) =>
        /metric latency 120 within threshold <= 500/.test(e.message),
      ),
    ).toBe(true);
    expect(
      passed.some((e) =>
        /metric cloudwatch-5xx 2 within threshold <= 10/.test(e.message),
      ),
    ).toBe(true);
    expect(
      passed.some((e) =>
        /metric error-rate 0 within threshold <= 1/.test(e.message),
      ),
    ).toBe(true);
    // The rendered query of each check is in the status, beside its value and verdict.
    const errorRate = (await api.status()).lastChecks?.find(
      (c) => c.metric === "error-rate",
    );
    expect(errorRate?.query).toMatch(/envoy_response_code=~"5\.\."\}\[30s\]/);

    datadog.series.set("avg:trace.http.request.duration{service:podinfo}", [
      [1, 900],
    ]);
    await api.setImage("podinfo", podinfoImage("6.0.2"));
    await eventually(async () => (await api.status()).phase === "Failed", {
      timeoutMs: 60_000,
      what: "Failed",
    });
    const status = await api.status();
    expect(status.message).toMatch(
      /metric latency 900 outside threshold <= 500/,
    );
    expect(status.lastChecks?.map((c) => [c.metric, c.verdict])).toEqual([
      ["error-rate", "pass"],
      ["latency", "fail"],
      ["cloudwatch-5xx", "pass"],
    ]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));

    // Flagger's gauge has the value (labelled with the target), Siskin's series the verdict; the
    // secrets never reach the log.
    const port = /"port":(\d+)/.exec(operator.logTail(400))?.[1];
    const metrics = await (
      await fetch(`http://127.0.0.1:${port}/metrics`)
    ).text();
    expect(metrics).toContain(
      `flagger_canary_metric_analysis{name="podinfo",namespace="${ns.name}",metric="latency"} 900`,
    );
    expect(metrics).toContain(
      `flagger_canary_metric_analysis{name="podinfo",namespace="${ns.name}",metric="error-rate"} 0`,
    );
    expect(metrics).toContain(
      `siskin_canary_check_verdict{name="podinfo",namespace="${ns.name}",metric="latency",verdict="fail"} 1`,
    );
    expect(metrics).not.toMatch(
      /flagger_canary_metric_analysis\{[^}]*verdict=/,
    );
    const { readFile } = await import("node:fs/promises");
    const log = await readFile(operator.logPath, "utf8");
    for (const secret of [datadog.apiKey, datadog.applicationKey, "prom-t0ken"])
      expect(log).not.toContain(secret);
  });
});

describe("a provider that hangs", () => {
  it("does not delay another canary's analysis", async () => {
    const { podinfoDeployment } = await import("../fixtures/podinfo.ts");
    const make = async (name: string, template: string) => {
      const d = podinfoDeployment(ns.name);
      d.metadata = { ...d.metadata, name, labels: { app: name } };
      d.spec!.selector = { matchLabels: { app: name } };
      d.spec!.template.metadata = { labels: { app: name } };
      await api.apps.createNamespacedDeployment({
        namespace: ns.name,
        body: d,
      });
      const canary = podinfoCanary(ns.name, {
        interval: "1s",
        stepWeight: 10,
        maxWeight: 50,
        threshold: 10,
        metrics: [
          {
            name: template,
            templateRef: { name: template },
            templateVariables: { codes: "5.." },
            thresholdRange: { max: 100 },
          },
        ],
      });
      canary.metadata.name = name;
      canary.spec.targetRef.name = name;
      canary.spec.service.name = name;
      delete canary.spec.autoscalerRef;
      await api.createCanary(canary);
      await eventually(
        async () => (await api.status(name)).phase === "Initialized",
        { what: `${name} Initialized` },
      );
    };
    await make("slow", "stuck");
    await make("fast", "error-rate");

    await api.setImage("slow", podinfoImage("6.0.1"));
    // The slow canary's first check (at weight 10) now waits on a server that never answers.
    await eventually(
      async () => (await api.status("slow")).canaryWeight === 10,
      { what: "slow at weight 10" },
    );
    await api.setImage("fast", podinfoImage("6.0.1"));
    const stepTimes = new Set<string>();
    await eventually(
      async () => {
        const st = await api.status("fast");
        if (st.lastStepTime) stepTimes.add(st.lastStepTime);
        return st.phase === "Succeeded";
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "fast to promote" },
    );
    // The operator's own step timestamps: one step per interval (1 s), no gap near the 10 s timeout.
    const times = [...stepTimes]
      .map((t) => Date.parse(t))
      .sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...gaps)).toBeLessThan(3000);
    // Meanwhile the slow canary was still waiting on its first check, which then ends as an error.
    const slow = await eventually(
      async () => {
        const st = await api.status("slow");
        return (st.failedChecks ?? 0) >= 1 && st;
      },
      { timeoutMs: 20_000, what: "slow check to time out" },
    );
    expect(slow.lastChecks?.[0]).toMatchObject({
      metric: "stuck",
      verdict: "error",
    });
    expect(slow.lastChecks?.[0]?.message).toMatch(
      /unreachable|timeout|aborted|canceled/i,
    );
  });
});
