// The fleet benchmark's metrics server in a process of its own, so the time the operator's queries
// wait is not the benchmark's own event loop (which follows 1,000 Canaries and their RouteTables).
// Prints its URL on the first line; GET /__calls answers the queries it has recorded, as JSON.
//   node bench/fleet/metrics-server.ts <delay-ms>
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  PrometheusStub,
  type StubCall,
} from "../../dev/services/prometheus-stub.ts";

export class MetricsServerProcess {
  url = "";
  private child: ChildProcess | undefined;

  async start(delayMs: number): Promise<void> {
    const child = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), String(delayMs)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    this.url = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) =>
        reject(new Error(`metrics server exited (${code})`)),
      );
    });
  }

  async calls(): Promise<StubCall[]> {
    return (await fetch(`${this.url}/__calls`).then((r) =>
      r.json(),
    )) as StubCall[];
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stub = new PrometheusStub({
    delayMs: Number(process.argv[2] ?? 200),
    record: true,
  });
  await stub.start();
  process.stdout.write(`${stub.url}\n`);
  process.once("SIGTERM", () => void stub.stop().then(() => process.exit(0)));
}
