// Runs the real operator (node src/main.ts) as a child process, scoped to one namespace, so a test
// can kill and restart it like a crashing pod.
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { ComponentProcess, tailOfFile } from "../cluster/process.ts";
import { repoRoot } from "../cluster/cluster.ts";

export interface OperatorOptions {
  kubeconfig: string;
  namespace: string;
  metricsServer: string;
  slackUrl?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
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
    this.proc = new ComponentProcess(
      "siskin",
      process.execPath,
      [
        join(repoRoot, "src/main.ts"),
        `--kubeconfig=${o.kubeconfig}`,
        `--namespace=${o.namespace}`,
        "--mesh-provider=gloo",
        `--metrics-server=${o.metricsServer}`,
        "--min-analysis-interval=1s",
        "--port=0",
        "--log-level=debug",
        "--cluster-name=local-test",
        ...(o.slackUrl
          ? [`--slack-url=${o.slackUrl}`, "--slack-channel=general"]
          : []),
        ...(o.extraArgs ?? []),
      ],
      this.logPath,
      o.env ?? {},
    );
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
}
