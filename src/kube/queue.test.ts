import { describe, expect, it } from "vitest";
import type { Clock } from "../util/clock.ts";
import { WorkQueue } from "./queue.ts";

/** A clock whose timers fire only when the test advances it. */
class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = (): Date => new Date(this.t);
  setTimer = (ms: number, fn: () => void): (() => void) => {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  };
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t);
    this.timers = this.timers.filter((x) => !due.includes(x));
    due.forEach((x) => x.fn());
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("WorkQueue", () => {
  it("coalesces duplicate keys and runs one reconcile per key at a time", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inFlight = 0;
    let maxInFlight = 0;
    const queue = new WorkQueue(
      async (key) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        seen.push(key);
        await gate;
        inFlight--;
      },
      { clock: new FakeClock(), concurrency: 4 },
    );
    queue.add("apps/a");
    queue.add("apps/b");
    await flush();
    queue.add("apps/a"); // changed while processing: exactly one more run afterwards
    queue.add("apps/a");
    queue.add("apps/b");
    release();
    await flush();
    await flush();
    expect(seen.sort()).toEqual(["apps/a", "apps/a", "apps/b", "apps/b"]);
    expect(maxInFlight).toBe(2);
  });

  it("requeues after the delay a reconcile asks for, and backs off on errors", async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    let fail = true;
    const queue = new WorkQueue(
      async () => {
        runs.push(clock.now().getTime());
        if (fail) throw new Error("conflict");
        return { requeueAfterMs: 10_000 };
      },
      { clock, concurrency: 1, baseBackoffMs: 500 },
    );
    queue.add("k");
    await flush();
    clock.advance(499);
    await flush();
    expect(runs).toEqual([0]);
    clock.advance(1);
    await flush();
    expect(runs).toEqual([0, 500]); // first retry after 500 ms
    fail = false;
    clock.advance(1000); // second backoff doubles to 1000 ms
    await flush();
    expect(runs).toEqual([0, 500, 1500]);
    clock.advance(10_000);
    await flush();
    expect(runs).toEqual([0, 500, 1500, 11_500]);
  });

  it("keeps the earlier timer when a later one is asked for", async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const queue = new WorkQueue(
      async () => void runs.push(clock.now().getTime()),
      { clock, concurrency: 1 },
    );
    queue.addAfter("k", 1000);
    queue.addAfter("k", 5000);
    clock.advance(1000);
    await flush();
    clock.advance(4000);
    await flush();
    expect(runs).toEqual([1000]);
  });
});
