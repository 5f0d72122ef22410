// A Clock whose timers fire only when a test advances it, for the units that wait (queue, watch
// restarts, webhook retries, leader election, rate limits).
import type { Clock } from "../../src/util/clock.ts";

export class FakeClock implements Clock {
  private t: number;
  /** How far the wall clock has been set away from the steady time (jumpWall). */
  private wallOffset = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now = (): Date => new Date(this.t + this.wallOffset);

  monotonicMs = (): number => this.t;

  /** Sets the wall clock forward or back (an NTP step), without moving steady time or timers. */
  jumpWall(ms: number): void {
    this.wallOffset += ms;
  }

  setTimer = (ms: number, fn: () => void): (() => void) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  };

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }

  /** Moves time on by `ms`, firing due timers in time order (timers they set fire too if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers
        .filter((x) => x.live && x.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      next.live = false;
      this.timers = this.timers.filter((x) => x !== next);
      next.fn();
    }
    this.t = end;
  }
}
