import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { LruMap } from "./lru.ts";
import { KeyedRateBuckets, RateBucket } from "./rate-bucket.ts";

describe("RateBucket", () => {
  it("spends its burst, then one token per 1/perSecond, and says when the next comes", () => {
    const clock = new FakeClock(0);
    const bucket = new RateBucket({ perSecond: 2, burst: 3 }, clock);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(500);
    clock.advance(499);
    expect(bucket.take()).toBe(1);
    clock.advance(1);
    expect(bucket.take()).toBe(0);
    clock.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });

  it("uses steady time: a wall-clock step neither refills nor drains it", () => {
    const clock = new FakeClock(0);
    const bucket = new RateBucket({ perSecond: 1, burst: 1 }, clock);
    expect(bucket.take()).toBe(0);
    clock.jumpWall(3_600_000);
    expect(bucket.take()).toBe(1000);
  });
});

describe("KeyedRateBuckets and LruMap", () => {
  it("one bucket per key; keys past the bound are forgotten oldest first", () => {
    const clock = new FakeClock(0);
    const buckets = new KeyedRateBuckets({ perSecond: 1, burst: 1 }, clock, 2);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(1000);
    expect(buckets.take("b")).toBe(0);
    expect(buckets.take("c")).toBe(0); // "a" is forgotten now
    expect(buckets.take("a")).toBe(0);
    const lru = new LruMap<string, number>(2);
    lru.set("x", 1);
    lru.set("y", 2);
    lru.get("x");
    lru.set("z", 3);
    expect([lru.get("x"), lru.get("y"), lru.get("z"), lru.size]).toEqual([
      1,
      undefined,
      3,
      2,
    ]);
  });
});
