// Gives the heap back once the operator has gone quiet after a burst of work (a fleet initializing,
// a wave of releases). V8 keeps the heap a burst grew until its memory reducer runs, and that waits
// for allocation to slow down, which in an idle operator may take minutes: a 1,000-canary operator
// sat at 186 MiB for two idle minutes while a full collection leaves ~30 MiB of heap live.
import type { Clock } from "./clock.ts";

export interface IdleCompactionOptions {
  clock: Clock;
  /** How long nothing is reconciled before the heap is compacted. */
  quietMs: number;
  /** A full, compacting collection (global.gc under --expose-gc). */
  compact: () => void;
  /**
   * Watch events (noteEvent) that make a burst: as many as that since the last compaction count as work.
   * Default 1,000: 50,000 unrelated Secrets arriving left a 5,000-canary operator 23 MiB larger, since no
   * reconcile followed them; a trickle of them (a real cluster's leases and certificates) must not.
   */
  eventBurst?: number;
}

/**
 * noteWork() on every reconcile, noteEvent() on every watch event; one compaction `quietMs` after the
 * last of a run of reconciles (or of a burst of events). An idle
 * operator compacts once and then never again until it works: no timer runs while nothing happens.
 */
export class IdleCompaction {
  private lastWorkAt = 0;
  private cancel: (() => void) | undefined;
  private events = 0;

  private readonly options: IdleCompactionOptions;

  constructor(options: IdleCompactionOptions) {
    this.options = options;
  }

  noteWork(): void {
    this.lastWorkAt = this.options.clock.now().getTime();
    // One timer per quiet period: re-armed when it fires early, not on every reconcile.
    if (!this.cancel) this.arm(this.options.quietMs);
  }

  /** A watch event that caused no reconcile: work once a burst of them has arrived. */
  noteEvent(): void {
    this.events++;
    if (this.events >= (this.options.eventBurst ?? 1000)) this.noteWork();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private arm(ms: number): void {
    this.cancel = this.options.clock.setTimer(ms, () => this.fire());
  }

  private fire(): void {
    const { clock, quietMs } = this.options;
    const quietFor = clock.now().getTime() - this.lastWorkAt;
    if (quietFor < quietMs) return this.arm(quietMs - quietFor);
    this.cancel = undefined;
    this.events = 0;
    this.options.compact();
  }
}

/**
 * V8's full collection when the process runs with --expose-gc (the operator's flags); undefined
 * otherwise. The "last-resort" flavor also returns the freed pages to the system: a plain gc() shrinks
 * the heap but V8 pools the pages, so the RSS stays where the burst left it (measured: 284 MiB after a
 * plain gc() of a 237 MiB heap, 136 MiB after last-resort, ~150 ms for 80 MiB live).
 */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  return typeof gc === "function"
    ? () => gc({ type: "major", execution: "sync", flavor: "last-resort" })
    : undefined;
}
