// A key-based work queue in the client-go style: keys ("ns/name"), not events, are queued; duplicates
// coalesce; one reconcile per key runs at a time; a key that changes while it is being processed is
// processed once more afterwards; failures back off per key.
import type { QueueMetrics } from "../telemetry/runtime-metrics.ts";
import { backoffDelay, type BackoffPolicy } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";

export type Reconcile = (
  key: string,
) => Promise<{ requeueAfterMs?: number } | void>;

export interface WorkQueueOptions {
  clock: Clock;
  /** How many different keys may be reconciled at once. */
  concurrency: number;
  /** Per-key backoff after failures (default 500 ms doubling to 60 s, 20 % jitter). */
  retry?: BackoffPolicy;
  random?: () => number;
  /** Called when a reconcile throws; returns whether to retry with backoff. */
  onError?: (key: string, error: unknown) => boolean;
  metrics?: QueueMetrics;
}

const defaultRetry: BackoffPolicy = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };
const noMetrics: QueueMetrics = {
  added: () => {},
  depth: () => {},
  waited: () => {},
  worked: () => {},
  retried: () => {},
};

export class WorkQueue {
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<
    string,
    { at: number; cancel: () => void }
  >();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  /** When each queued key was added, for the queue-latency metric. */
  private readonly addedAt = new Map<string, number>();
  private readonly options: WorkQueueOptions;
  private readonly metrics: QueueMetrics;
  private readonly reconcile: Reconcile;

  constructor(reconcile: Reconcile, options: WorkQueueOptions) {
    this.reconcile = reconcile;
    this.options = options;
    this.metrics = options.metrics ?? noMetrics;
  }

  /** Queue a key now. */
  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pending.push(key);
    this.addedAt.set(key, this.options.clock.now().getTime());
    this.metrics.added();
    this.metrics.depth(this.pending.length);
    this.pump();
  }

  /** Queue a key after `ms`; an earlier pending timer for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = this.options.clock.now().getTime() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.options.clock.setTimer(ms, () => {
      this.timers.delete(key);
      this.add(key);
    });
    this.timers.set(key, { at, cancel });
  }

  /** Forget a key (its object was deleted): cancel timers and backoff. */
  forget(key: string): void {
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
    this.failures.delete(key);
  }

  /** Stop taking work; resolves when the reconciles in flight have finished. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (
      !this.stopped &&
      this.running < this.options.concurrency &&
      this.pending.length > 0
    ) {
      const key = this.pending.shift() as string;
      this.queued.delete(key);
      const now = this.options.clock.now().getTime();
      this.metrics.waited((now - (this.addedAt.get(key) ?? now)) / 1000);
      this.addedAt.delete(key);
      this.metrics.depth(this.pending.length);
      this.active.add(key);
      this.running++;
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    let retryAfter: number | undefined;
    const started = this.options.clock.now().getTime();
    try {
      const result = await this.reconcile(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined)
        this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const retry = this.options.onError?.(key, error) ?? true;
      if (retry) {
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        retryAfter = backoffDelay(
          failures,
          this.options.retry ?? defaultRetry,
          this.options.random,
        );
        this.metrics.retried();
      }
    } finally {
      this.metrics.worked(
        (this.options.clock.now().getTime() - started) / 1000,
      );
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      else if (retryAfter !== undefined) this.addAfter(key, retryAfter);
      if (this.running === 0 && this.stopped)
        this.idleWaiters.splice(0).forEach((resolve) => resolve());
      this.pump();
    }
  }
}
