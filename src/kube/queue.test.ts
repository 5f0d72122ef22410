import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { WorkQueue } from "./queue.ts";

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
      {
        clock,
        concurrency: 1,
        retry: { baseMs: 500, maxMs: 60_000, jitter: 0.5 },
        random: () => 0, // no jitter here; the next test checks it
      },
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

  it("spreads retries with jitter from the shared backoff policy", async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const queue = new WorkQueue(
      async () => {
        runs.push(clock.now().getTime());
        throw new Error("conflict");
      },
      {
        clock,
        concurrency: 1,
        retry: { baseMs: 1000, maxMs: 60_000, jitter: 0.5 },
        random: () => 1, // the largest spread: +50 %
      },
    );
    queue.add("k");
    await flush();
    clock.advance(1499);
    await flush();
    expect(runs).toEqual([0]);
    clock.advance(1);
    await flush();
    expect(runs).toEqual([0, 1500]);
  });

  it("forgets a key: its timer and backoff are dropped", async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const queue = new WorkQueue(async () => void runs.push(1), {
      clock,
      concurrency: 1,
    });
    queue.addAfter("k", 1000);
    queue.forget("k");
    clock.advance(5000);
    await flush();
    expect(runs).toEqual([]);
    expect(clock.pending).toBe(0);
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
