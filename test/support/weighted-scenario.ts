// The environment of the weighted-canary scenarios (S1-S5): one namespace, Envoy-named series the test
// controls scraped by a real Prometheus, a second Prometheus scraping the operator's /metrics (as a
// user's does), a local Slack receiver, and the real operator process on a fixed port (the Prometheus
// that scrapes it finds it again after S2's kill).
import { CanaryApi } from "./canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "./cluster.ts";
import { EnvoyExporter } from "./envoy-exporter.ts";
import { UpstreamApi } from "./gloo-upstreams.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";

export const healthy = { rps: 50, errorRate: 0, latencyMs: 20 };

export class WeightedScenario {
  ns!: Awaited<ReturnType<typeof createTestNamespace>>;
  api!: CanaryApi;
  operator!: OperatorProcess;
  /** The Envoy cluster name of the canary's upstream, as the exporter serves it. */
  canaryCluster = "";
  readonly exporter = new EnvoyExporter();
  readonly prometheus = new LocalPrometheus();
  readonly selfPrometheus = new LocalPrometheus();
  readonly slack = new SlackReceiver();

  upstreams(): UpstreamApi {
    return new UpstreamApi(kubeConfig(), this.ns.name);
  }

  async waitForPhase(phase: string, timeoutMs = 60_000): Promise<void> {
    await eventually(async () => (await this.api.status()).phase === phase, {
      timeoutMs,
      what: `canary phase ${phase} (operator log:\n${this.operator.logTail(10)})`,
    });
  }

  async start(): Promise<void> {
    this.ns = await createTestNamespace("apps");
    this.api = new CanaryApi(kubeConfig(), this.ns.name);
    this.canaryCluster = `${this.ns.name}-podinfo-canaryupstream-9898_${this.ns.name}`;
    this.exporter.setTraffic(this.canaryCluster, healthy);
    await this.exporter.start();
    await Promise.all([
      this.prometheus.start([`127.0.0.1:${this.exporter.port}`]),
      this.slack.start(),
    ]);
    const operatorPort = await freeLoopbackPort();
    this.operator = new OperatorProcess({
      kubeconfig: clusterState().kubeconfig,
      namespace: this.ns.name,
      metricsServer: this.prometheus.url,
      slackUrl: this.slack.url,
      port: operatorPort,
    });
    this.operator.start();
    await this.selfPrometheus.start([`127.0.0.1:${operatorPort}`]);
  }

  async stop(): Promise<void> {
    await this.operator?.stop();
    await Promise.all([
      this.prometheus.stop(),
      this.selfPrometheus.stop(),
      this.slack.stop(),
      this.exporter.stop(),
    ]);
    await this.ns?.dispose();
  }
}
