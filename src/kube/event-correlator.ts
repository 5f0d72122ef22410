// What to do with an Event before it is written, as client-go's EventCorrelator decides: an Event
// identical to one already written (same object, type, reason and message) adds to that Event's count
// and lastTimestamp instead of making a new object, and each object has a token bucket, so a provider
// that flaps every interval cannot fill etcd with Events. Pure: the clock is injected.
import type { Clock } from "../util/clock.ts";
import { LruMap } from "../util/lru.ts";
import { RateBucket, type RateSpec } from "../util/rate-bucket.ts";

export interface EventKeyParts {
  namespace: string;
  kind: string;
  name: string;
  uid?: string;
  type: string;
  reason: string;
  message: string;
}

export type Correlation =
  | { action: "create" }
  | { action: "patch"; name: string; count: number; firstTimestamp: string }
  | { action: "drop" };

export interface CorrelatorOptions {
  /** Per object: Events written at once, then the rate (client-go: 25, then one per 5 minutes). */
  perObject: RateSpec;
  /** Objects and Events remembered (least recently used forgotten first). */
  maxKeys: number;
}

/**
 * Siskin's default: the same burst as client-go, refilled one per 5 s (client-go: 300 s) so a run's
 * step announcements, one or two per interval of at least 10 s, are never dropped, while a burst of
 * repeats is.
 */
export const defaultCorrelatorOptions: CorrelatorOptions = {
  perObject: { perSecond: 1 / 5, burst: 25 },
  maxKeys: 4096,
};

export class EventCorrelator {
  private readonly written = new LruMap<
    string,
    { name: string; count: number; firstTimestamp: string }
  >(defaultCorrelatorOptions.maxKeys);
  private readonly buckets: LruMap<string, RateBucket>;
  private readonly clock: Clock;
  private readonly options: CorrelatorOptions;

  constructor(clock: Clock, options = defaultCorrelatorOptions) {
    this.clock = clock;
    this.options = options;
    this.buckets = new LruMap(options.maxKeys);
  }

  correlate(event: EventKeyParts): Correlation {
    const object = `${event.namespace}/${event.kind}/${event.name}/${event.uid ?? ""}`;
    let bucket = this.buckets.get(object);
    if (!bucket) {
      bucket = new RateBucket(this.options.perObject, this.clock);
      this.buckets.set(object, bucket);
    }
    if (bucket.take() > 0) return { action: "drop" };
    const seen = this.written.get(this.keyOf(object, event));
    if (!seen) return { action: "create" };
    return {
      action: "patch",
      name: seen.name,
      count: seen.count + 1,
      firstTimestamp: seen.firstTimestamp,
    };
  }

  /** Records what was written (a created Event, or the count a patch set). */
  record(
    event: EventKeyParts,
    name: string,
    count: number,
    firstTimestamp: string,
  ): void {
    const object = `${event.namespace}/${event.kind}/${event.name}/${event.uid ?? ""}`;
    this.written.set(this.keyOf(object, event), {
      name,
      count,
      firstTimestamp,
    });
  }

  /** Forgets a written Event (it expired from the API server: the next one is created anew). */
  forget(event: EventKeyParts): void {
    const object = `${event.namespace}/${event.kind}/${event.name}/${event.uid ?? ""}`;
    this.written.delete(this.keyOf(object, event));
  }

  private keyOf(object: string, event: EventKeyParts): string {
    return `${object}\0${event.type}\0${event.reason}\0${event.message}`;
  }
}
