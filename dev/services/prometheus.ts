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

  async stop(): Promise<void> {
    await this.process?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
