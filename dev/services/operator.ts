// Runs the real operator (node src/main.ts) as a child process, scoped to one namespace, so a test
// can kill and restart it like a crashing pod.
import { join } from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ComponentProcess, tailOfFile } from "../cluster/process.ts";
import { repoRoot } from "../cluster/cluster.ts";
import { operatorEnv, operatorNodeFlags } from "../../src/node-flags.ts";
import { parseMetrics, sumMetric } from "./metrics-text.ts";

export interface OperatorOptions {
  kubeconfig: string;
  /** Watch one namespace; all when undefined. */
  namespace: string | undefined;
  metricsServer: string;
  /** The program to run: src/main.ts (default) or the compiled dist/src/main.js, as the image does. */
  entry?: string;
  /** A command to run node under, such as ["faketime", "-f", "+60s"] (a skewed clock). */
  prefix?: string[];
  /** Default 1s, so scenarios run fast. */
  minAnalysisInterval?: string;
  /** Default debug. */
  logLevel?: string;
  slackUrl?: string;
  /** The HTTP port (/metrics); default 0 (any free one, new at each start). A fixed one survives restarts. */
  port?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /**
   * Start it as `node <entry>` with none of the operator's V8 flags or environment, as the package's
   * `siskin` bin and any other launcher do: the program relaunches itself with them (src/relaunch.ts).
   */
  bare?: boolean;
}

export class OperatorProcess {
  private proc: ComponentProcess | undefined;

  /** The process id while it runs (the demo records it to prove a clean shutdown). */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }
  readonly logPath: string;
  private readonly options: OperatorOptions;
  starts = 0;

  constructor(options: OperatorOptions) {
    this.options = options;
    this.logPath = join(
      mkdtempSync(join(tmpdir(), "siskin-operator-")),
      "operator.log",
    );
  }

  start(): void {
    const o = this.options;
    this.starts++;
    const [command, ...prefixArgs] = [...(o.prefix ?? []), process.execPath];
    this.proc = new ComponentProcess(
      "siskin",
      command ?? process.execPath,
      [
        ...prefixArgs,
        ...(o.bare ? [] : operatorNodeFlags),
        o.entry ?? join(repoRoot, "src/main.ts"),
        `--kubeconfig=${o.kubeconfig}`,
        ...(o.namespace ? [`--namespace=${o.namespace}`] : []),
        "--mesh-provider=gloo",
        `--metrics-server=${o.metricsServer}`,
        `--min-analysis-interval=${o.minAnalysisInterval ?? "1s"}`,
        `--port=${o.port ?? 0}`,
        `--log-level=${o.logLevel ?? "debug"}`,
        "--cluster-name=local-test",
        ...(o.slackUrl
          ? [`--slack-url=${o.slackUrl}`, "--slack-channel=general"]
          : []),
        ...(o.extraArgs ?? []),
      ],
      this.logPath,
      { ...(o.bare ? {} : operatorEnv), ...o.env },
    );
  }

  /** Whether the process has ended on its own or been stopped. */
  get exited(): boolean {
    return this.proc?.exit !== undefined;
  }

  /** SIGKILL, as when a pod is killed: no graceful shutdown. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exit) return;
    proc.child.kill("SIGKILL");
    await new Promise((resolve) => proc.child.once("exit", resolve));
  }

  async stop(): Promise<void> {
    await this.proc?.stop(3000);
  }

  logTail(lines = 30): string {
    return tailOfFile(this.logPath, lines);
  }

  /**
   * The operator's own HTTP address (/metrics, /healthz), read from its "siskin starting" log line
   * (it listens on a free port). Waits for the line of the current start.
   */
  httpUrl(timeoutMs = 20_000): Promise<string> {
    return this.portFromLog("siskin starting", "port", timeoutMs);
  }

  /** The dashboard's address (--dashboard-port=0 picks a free port), from its "dashboard listening" line. */
  dashboardUrl(timeoutMs = 30_000): Promise<string> {
    return this.portFromLog("dashboard listening", "dashboardPort", timeoutMs);
  }

  private async portFromLog(
    message: string,
    field: string,
    timeoutMs: number,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = readFileSync(this.logPath, "utf8").trim().split("\n");
      const starts = lines.filter((l) => l.includes(`"${message}"`));
      if (starts.length >= this.starts) {
        const port = (
          JSON.parse(starts[starts.length - 1] ?? "{}") as Record<
            string,
            unknown
          >
        )[field];
        if (typeof port === "number" && port > 0)
          return `http://127.0.0.1:${port}`;
      }
      if (Date.now() > deadline)
        throw new Error(
          `the operator did not log "${message}":\n${this.logTail(10)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The operator's /metrics, as Prometheus scrapes it. */
  async scrape(): Promise<string> {
    return (await fetch(`${await this.httpUrl()}/metrics`)).text();
  }

  /** One counter or gauge from the operator's /metrics, summed over the series matching `labels`. */
  async metric(
    name: string,
    labels: Record<string, string> = {},
  ): Promise<number> {
    return sumMetric(parseMetrics(await this.scrape()), name, labels);
  }
}
