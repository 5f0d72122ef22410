import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { IdleCompaction } from "./idle-compaction.ts";

function compaction() {
  const clock = new FakeClock();
  let compactions = 0;
  const idle = new IdleCompaction({
    clock,
    quietMs: 30_000,
    compact: () => void compactions++,
  });
  return { clock, idle, compactions: () => compactions };
}

describe("IdleCompaction", () => {
  it("compacts once, a quiet period after the last work of a burst", () => {
    const { clock, idle, compactions } = compaction();
    for (let i = 0; i < 100; i++) {
      idle.noteWork();
      clock.advance(1_000);
    }
    expect(compactions()).toBe(0); // never while working
    expect(clock.pending).toBe(1); // one timer, not one per reconcile
    clock.advance(28_999);
    expect(compactions()).toBe(0);
    clock.advance(1);
    expect(compactions()).toBe(1);
    clock.advance(10 * 60_000);
    expect(compactions()).toBe(1); // idle: no more, and no timer left
    expect(clock.pending).toBe(0);
  });

  it("compacts again after the next burst, and not at all without work", () => {
    const { clock, idle, compactions } = compaction();
    clock.advance(120_000);
    expect(compactions()).toBe(0);
    idle.noteWork();
    clock.advance(30_000);
    idle.noteWork();
    clock.advance(30_000);
    expect(compactions()).toBe(2);
    idle.noteWork();
    idle.stop();
    clock.advance(60_000);
    expect(compactions()).toBe(2);
  });

  it("counts a burst of watch events as work, a trickle of them not", () => {
    const { clock, idle, compactions } = compaction();
    for (let i = 0; i < 999; i++) {
      idle.noteEvent();
      clock.advance(100);
    }
    clock.advance(60_000);
    expect(compactions()).toBe(0); // 999 events over 100 s: a trickle
    expect(clock.pending).toBe(0);
    idle.noteEvent(); // the 1,000th since the last compaction
    clock.advance(30_000);
    expect(compactions()).toBe(1);
    idle.noteEvent(); // the count starts again after a compaction
    clock.advance(60_000);
    expect(compactions()).toBe(1);
  });
});
