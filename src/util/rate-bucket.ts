// Token buckets that answer at once (take a token, or say when one will be there), for refusing work
// past a rate with 429 instead of queueing it: logins per source and overall. Time comes from the
// injected clock's steady reading.
import type { Clock } from "./clock.ts";
import { LruMap } from "./lru.ts";

export interface RateSpec {
  /** Tokens added per second. */
  perSecond: number;
  /** Tokens the bucket holds at most (what can be spent at once). */
  burst: number;
}

export class RateBucket {
  private tokens: number;
  private last: number;
  private readonly spec: RateSpec;
  private readonly clock: Clock;

  constructor(spec: RateSpec, clock: Clock) {
    this.spec = spec;
    this.clock = clock;
    this.tokens = spec.burst;
    this.last = clock.monotonicMs();
  }

  /** Takes a token: 0 when taken, else the milliseconds until one will be there. */
  take(): number {
    const now = this.clock.monotonicMs();
    this.tokens = Math.min(
      this.spec.burst,
      this.tokens + ((now - this.last) * this.spec.perSecond) / 1000,
    );
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    // (Rounding error aside: 0.998 tokens at 2/s is 1 ms away, not 2.)
    return Math.max(
      1,
      Math.ceil(((1 - this.tokens) * 1000) / this.spec.perSecond - 1e-6),
    );
  }
}

/** A bucket per key (a client address), the least recently seen forgotten past `maxKeys`. */
export class KeyedRateBuckets {
  private readonly buckets: LruMap<string, RateBucket>;
  private readonly spec: RateSpec;
  private readonly clock: Clock;

  constructor(spec: RateSpec, clock: Clock, maxKeys: number) {
    this.spec = spec;
    this.clock = clock;
    this.buckets = new LruMap(maxKeys);
  }

  take(key: string): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new RateBucket(this.spec, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }
}
