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
}

/**
 * Watch events since the last compaction that count as work. 50,000 unrelated Secrets arriving left a
 * 5,000-canary operator 23 MiB larger, since no reconcile followed them; a trickle of events (a real
 * cluster's leases and certificates) must not wake the compaction.
 */
const eventBurst = 1000;

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

  /** Any watch event (those that lead to a reconcile are also noted as work there): a burst is work. */
  noteEvent(): void {
    this.events++;
    if (this.events >= eventBurst) this.noteWork();
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
