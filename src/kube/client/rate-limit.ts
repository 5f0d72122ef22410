// Client-side rate limit on API requests (--kubeconfig-qps / --kubeconfig-burst), a token bucket like
// client-go's: up to `burst` requests at once, then `qps` per second; callers wait in order.
import type { Clock } from "../../util/clock.ts";

export interface RateLimiter {
  /** Resolves when a request may be sent. */
  acquire(): Promise<void>;
  /** Milliseconds callers have waited in total (exported as a metric). */
  readonly waitedMs: number;
}

export function unlimited(): RateLimiter {
  return { acquire: async () => {}, waitedMs: 0 };
}

export function tokenBucket(
  qps: number,
  burst: number,
  clock: Clock,
): RateLimiter {
  if (!(qps > 0)) return unlimited();
  const capacity = Math.max(1, burst);
  let tokens = capacity;
  let last = clock.now().getTime();
  let waitedMs = 0;
  const waiters: { since: number; resolve: () => void }[] = [];
  let timerArmed = false;

  const refill = (): void => {
    const now = clock.now().getTime();
    tokens = Math.min(capacity, tokens + ((now - last) * qps) / 1000);
    last = now;
  };
  const drain = (): void => {
    refill();
    while (waiters.length > 0 && tokens >= 1) {
      tokens -= 1;
      const waiter = waiters.shift();
      if (!waiter) break;
      waitedMs += clock.now().getTime() - waiter.since;
      waiter.resolve();
    }
    if (waiters.length > 0 && !timerArmed) {
      timerArmed = true;
      const ms = Math.ceil(((1 - tokens) * 1000) / qps);
      clock.setTimer(Math.max(1, ms), () => {
        timerArmed = false;
        drain();
      });
    }
  };
  return {
    acquire() {
      refill();
      if (waiters.length === 0 && tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiters.push({ since: clock.now().getTime(), resolve });
        drain();
      });
    },
    get waitedMs() {
      return waitedMs;
    },
  };
}
