// A real Prometheus (Debian's package) as a plain process on 127.0.0.1, scraping loopback targets
// every second. No Kubernetes service discovery: it never dials cluster addresses.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ComponentProcess } from "../cluster/process.ts";
import { freeLoopbackPort } from "../cluster/ports.ts";
import { waitForComponent } from "../cluster/wait.ts";

export const prometheusBinary =
  process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

export class LocalPrometheus {
  url = "";
  private process: ComponentProcess | undefined;

  /** The process id while it runs (the demo records it to prove a clean shutdown). */
  get pid(): number | undefined {
    return this.process?.child.pid;
  }
  private dir = "";

  async start(targets: string[]): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), "siskin-prometheus-"));
    const port = await freeLoopbackPort();
    const config = {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [{ job_name: "envoy", static_configs: [{ targets }] }],
    };
    writeFileSync(join(this.dir, "prometheus.yml"), stringify(config));
    this.url = `http://127.0.0.1:${port}`;
    const proc = new ComponentProcess(
      "prometheus",
      prometheusBinary,
      [
        `--config.file=${join(this.dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(this.dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      join(this.dir, "prometheus.log"),
    );
    this.process = proc;
    await waitForComponent(
      {
        name: "prometheus",
        logPath: proc.logPath,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "/-/ready",
      async () => (await fetch(`${this.url}/-/ready`)).ok,
      30,
    );
  }

  /** The first sample of an instant query, or undefined when it has none. */
  async query(promql: string): Promise<number | undefined> {
    const answer = (await (
      await fetch(
        `${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`,
      )
    ).json()) as { data?: { result?: { value?: [number, string] }[] } };
    const raw = answer.data?.result?.[0]?.value?.[1];
    const value = raw === undefined ? Number.NaN : Number(raw);
    return Number.isNaN(value) ? undefined : value;
  }

  /** Resolves once Prometheus can compute a request rate for an Envoy cluster over `window`. */
  async waitForTraffic(
    cluster: string,
    window = "10s",
    timeoutMs = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const promql = `sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="${cluster}"}[${window}]))`;
    while ((await this.query(promql)) === undefined) {
      if (Date.now() > deadline)
        throw new Error(
          `Prometheus has no request rate for ${cluster} after ${timeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
