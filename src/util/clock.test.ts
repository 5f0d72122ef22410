import { afterEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "./clock.ts";

describe("systemClock.setTimer", () => {
  afterEach(() => vi.useRealTimers());

  it("waits as long as asked past 2^31 ms (Node alone would fire after 1 ms)", () => {
    vi.useFakeTimers();
    let fired = false;
    systemClock.setTimer(3 * 2 ** 31, () => (fired = true));
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(3 * 2 ** 31 - 1001);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
  });

  it("can be cancelled in any part of a chained wait", () => {
    vi.useFakeTimers();
    let fired = false;
    const cancel = systemClock.setTimer(2 ** 32, () => (fired = true));
    vi.advanceTimersByTime(2 ** 31 + 5);
    cancel();
    vi.advanceTimersByTime(2 ** 32);
    expect(fired).toBe(false);
  });
});
