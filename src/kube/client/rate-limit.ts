// Client-side rate limit on API requests (--kubeconfig-qps / --kubeconfig-burst), a token bucket like
// client-go's: up to `burst` requests at once, then `qps` per second. Callers wait in order, except
// that low-priority requests (Events: announcements of what already happened) wait behind the others,
// so a burst of steps across a fleet writes its weights and statuses first.
import type { Clock } from "../../util/clock.ts";

export type Priority = "normal" | "low";

export interface RateLimiter {
  /** Resolves when a request may be sent. */
  acquire(priority?: Priority): Promise<void>;
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
  const waiters: Record<Priority, { since: number; resolve: () => void }[]> = {
    normal: [],
    low: [],
  };
  const waiting = () => waiters.normal.length + waiters.low.length;
  let timerArmed = false;

  const refill = (): void => {
    const now = clock.now().getTime();
    tokens = Math.min(capacity, tokens + ((now - last) * qps) / 1000);
    last = now;
  };
  const drain = (): void => {
    refill();
    while (waiting() > 0 && tokens >= 1) {
      tokens -= 1;
      const waiter = waiters.normal.shift() ?? waiters.low.shift();
      if (!waiter) break;
      waitedMs += clock.now().getTime() - waiter.since;
      waiter.resolve();
    }
    if (waiting() > 0 && !timerArmed) {
      timerArmed = true;
      const ms = Math.ceil(((1 - tokens) * 1000) / qps);
      clock.setTimer(Math.max(1, ms), () => {
        timerArmed = false;
        drain();
      });
    }
  };
  return {
    acquire(priority = "normal") {
      refill();
      if (waiting() === 0 && tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        waiters[priority].push({ since: clock.now().getTime(), resolve });
        drain();
      });
    },
    get waitedMs() {
      return waitedMs;
    },
  };
}
