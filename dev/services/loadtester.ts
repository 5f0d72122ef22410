// Runs the real load tester (node loadtester/src/main.ts) as a child process on a free loopback port,
// so tests can restart it and read what it answers, logs and exports.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentProcess, tailOfFile } from "../cluster/process.ts";
import { freeLoopbackPort } from "../cluster/ports.ts";
import { waitForComponent } from "../cluster/wait.ts";
import { repoRoot } from "../cluster/cluster.ts";

export interface HookAnswer {
  status: number;
  body: string;
}

export class LoadTesterProcess {
  private proc: ComponentProcess | undefined;

  /** The process id while it runs (the demo records it to prove a clean shutdown). */
  get pid(): number | undefined {
    return this.proc?.child.pid;
  }
  readonly dir = mkdtempSync(join(tmpdir(), "siskin-loadtester-"));
  readonly logPath = join(this.dir, "loadtester.log");
  url = "";
  private readonly args: string[];

  /** Extra flags; without --gates-* the gate state goes to a file in this process's temp folder. */
  constructor(args: string[] = []) {
    this.args = args.some((a) => a.startsWith("--gates-"))
      ? args
      : [`--gates-file=${join(this.dir, "gates.json")}`, ...args];
  }

  private port = 0;

  /** Starts on a free port; a restart comes back on the same one, as a Service address would. */
  async start(): Promise<this> {
    this.port ||= await freeLoopbackPort();
    const port = this.port;
    this.url = `http://127.0.0.1:${port}`;
    const proc = new ComponentProcess(
      "loadtester",
      process.execPath,
      [
        join(repoRoot, "loadtester/src/main.ts"),
        `--port=${port}`,
        "--listen-address=127.0.0.1",
        ...this.args,
      ],
      this.logPath,
      {},
      // Its own scratch folder, as a pod's working directory: what a command could reach without a path.
      this.dir,
    );
    this.proc = proc;
    await waitForComponent(
      {
        name: "loadtester",
        logPath: this.logPath,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "/healthz",
      async () => (await fetch(`${this.url}/healthz`)).ok,
      20,
    );
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop(3000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** POST a webhook payload to a path, as the operator does. */
  async post(
    path: string,
    payload: {
      name: string;
      namespace: string;
      metadata?: Record<string, string>;
    },
  ): Promise<HookAnswer> {
    const response = await fetch(`${this.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        phase: "Progressing",
        checksum: "test",
        ...payload,
      }),
    });
    return { status: response.status, body: await response.text() };
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  logTail(lines = 30): string {
    return tailOfFile(this.logPath, lines);
  }
}
