// One retry policy for everything that waits before trying again (the work queue, watch restarts,
// webhook retries, leader election): exponential backoff with jitter, timed by the injected Clock so
// tests advance a fake clock instead of sleeping.
import type { Clock } from "./clock.ts";

export interface BackoffPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per attempt; 1 keeps the delay constant (a retry period). Default 2. */
  factor?: number;
  /** Random spread added on top, as a fraction of the delay (0.2 = up to +20 %). Default 0.2. */
  jitter?: number;
}

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const factor = policy.factor ?? 2;
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.baseMs * factor ** exponent);
  const spread = base * (policy.jitter ?? 0.2) * random();
  return Math.min(policy.maxMs, Math.round(base + spread));
}

/** Waits `ms` on the clock; resolves early (without error) when `signal` aborts. */
export function sleep(
  clock: Clock,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    const onAbort = () => {
      cancel();
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
