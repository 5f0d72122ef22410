// The built-in load generator: runs a LoadPlan (from hey's flags) with undici, one connection per
// worker as hey's workers each keep one (undici's HTTP/1.1 client is several times faster than
// node:http's, which reached 0.26-0.33x the real hey's throughput). Like hey,
// -c workers each send requests back to back, each worker limited to -q requests per second, for -z or
// until -n requests are sent. The summary is what hey prints: counts, status codes, latencies.
import { Client, errors, type Dispatcher } from "undici";
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

/**
 * One request on a worker's connection through undici's dispatch (no response stream object, the body is dropped
 * as it arrives); resolves to the status code, or "error" for a transport failure or a timeout.
 * Throws only when the request cannot be built at all (the caller stops the run).
 */
function send(plan: LoadPlan, client: Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let status = "error";
    try {
      client.dispatch(
        {
          path,
          method: plan.method as Dispatcher.HttpMethod,
          headers: plan.headers,
          ...(plan.body !== undefined ? { body: plan.body } : {}),
          // hey -t: 0 means no timeout.
          headersTimeout: plan.timeoutMs,
          bodyTimeout: plan.timeoutMs,
          // hey -disable-keepalive: a new connection for every request.
          reset: !plan.keepAlive,
        },
        {
          onRequestStart: () => {},
          onResponseStart: (_controller, statusCode) => {
            status = String(statusCode);
          },
          onResponseData: () => {},
          onResponseEnd: () => resolve(status),
          onResponseError: (_controller, error) =>
            error instanceof errors.InvalidArgumentError
              ? reject(error)
              : resolve("error"),
        },
      );
    } catch (error) {
      reject(error as Error);
    }
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
  const url = new URL(plan.url);
  const clients = Array.from(
    { length: plan.concurrency },
    () => new Client(url.origin, { pipelining: 1 }),
  );
  const path = url.pathname + url.search;
  // Aborting the run (task timeout, shutdown) ends the requests in flight at once.
  const closeAll = () =>
    Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  const closeOnAbort = () => void closeAll();
  signal.addEventListener("abort", closeOnAbort, { once: true });
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

  const worker = async (client: Client): Promise<void> => {
    const workerStart = performance.now();
    for (let i = 0; plan.durationMs !== undefined || i < perWorker; i++) {
      if (plan.ratePerWorker > 0) {
        // Request i of this worker starts no earlier than i / q seconds after the worker started, and
        // not at all when that is past -z: timers may fire a ms early, so the clock alone would let
        // one more request per worker through.
        const due = workerStart + (i * 1000) / plan.ratePerWorker;
        if (due >= deadline) return;
        await sleep(due - performance.now(), stop);
      }
      // stop: the run was aborted or -z is up (its timer may fire a fraction of a ms before deadline).
      if (stop.aborted || performance.now() >= deadline) return;
      const sent = performance.now();
      let status: string;
      try {
        status = await send(plan, client, path);
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
  await Promise.all(clients.map((client) => worker(client)));
  // -z is a duration, as hey keeps it: a rate-limited run whose last request ended early still lasts it.
  if (plan.durationMs !== undefined)
    await sleep(deadline - performance.now(), running);
  signal.removeEventListener("abort", closeOnAbort);
  await closeAll();
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
