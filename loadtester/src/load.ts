// The built-in load generator: runs a LoadPlan (from hey's flags) with Node's HTTP client. Like hey,
// -c workers each send requests back to back, each worker limited to -q requests per second, for -z or
// until -n requests are sent. The summary is what hey prints: counts, status codes, latencies.
import http from "node:http";
import https from "node:https";
import type { LoadPlan } from "./hey-args.ts";

export interface LoadSummary {
  requests: number;
  /** Responses by status code; transport failures under "error". */
  statusCodes: Record<string, number>;
  durationMs: number;
  ratePerSecond: number;
  latencyMs: {
    p50: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
  };
  /** Why the run stopped early: a request that could not even be built (validation missed it). */
  error?: string;
}

export interface LoadObserver {
  /** Called for every finished request (status code or "error", seconds). */
  request(status: string, seconds: number): void;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1,
  );
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

function send(
  plan: LoadPlan,
  agent: http.Agent,
  signal: AbortSignal,
): Promise<string> {
  const url = new URL(plan.url);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      url,
      {
        method: plan.method,
        headers: {
          ...(plan.body !== undefined
            ? { "content-length": Buffer.byteLength(plan.body) }
            : {}),
          ...plan.headers,
        },
        agent,
        signal,
        ...(plan.timeoutMs > 0 ? { timeout: plan.timeoutMs } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode ?? "error")));
        res.on("error", () => resolve("error"));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve("error"));
    req.end(plan.body);
  });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Runs the plan to its end, or until the signal aborts (task timeout, shutdown). */
export async function runLoad(
  plan: LoadPlan,
  signal: AbortSignal,
  observer?: LoadObserver,
): Promise<LoadSummary> {
  const agentOptions = {
    keepAlive: plan.keepAlive,
    maxSockets: plan.concurrency,
  };
  const agent = plan.url.startsWith("https:")
    ? new https.Agent(agentOptions)
    : new http.Agent(agentOptions);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const start = performance.now();
  const deadline =
    plan.durationMs !== undefined ? start + plan.durationMs : Infinity;
  const perWorker = Math.floor(plan.requests / plan.concurrency);
  // A request that cannot be built fails every time: stop every worker at once, never spin or throw.
  const broken = new AbortController();
  let failure: string | undefined;
  const running = AbortSignal.any([signal, broken.signal]);
  const stop = AbortSignal.any([
    running,
    ...(plan.durationMs !== undefined
      ? [AbortSignal.timeout(plan.durationMs)]
      : []),
  ]);

  const worker = async (): Promise<void> => {
    const workerStart = performance.now();
    for (let i = 0; plan.durationMs !== undefined || i < perWorker; i++) {
      if (plan.ratePerWorker > 0) {
        // Request i of this worker starts no earlier than i / q seconds after the worker started.
        await sleep(
          workerStart + (i * 1000) / plan.ratePerWorker - performance.now(),
          stop,
        );
      }
      if (running.aborted || performance.now() >= deadline) return;
      const sent = performance.now();
      let status: string;
      try {
        status = await send(plan, agent, signal);
      } catch (error) {
        failure ??= (error as Error).message;
        broken.abort();
        return;
      }
      if (signal.aborted && status === "error") return;
      const ms = performance.now() - sent;
      latencies.push(ms);
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      observer?.request(status, ms / 1000);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, () => worker()));
  agent.destroy();
  const durationMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    statusCodes,
    durationMs: Math.round(durationMs),
    ratePerSecond:
      Math.round((latencies.length / (durationMs / 1000)) * 100) / 100,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
    ...(failure !== undefined ? { error: failure } : {}),
  };
}
