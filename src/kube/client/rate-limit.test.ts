import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../dev/testing/fake-clock.ts";
import { tokenBucket } from "./rate-limit.ts";

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("token bucket", () => {
  it("lets a burst through, then qps per second, in order", async () => {
    const clock = new FakeClock();
    const limiter = tokenBucket(10, 3, clock);
    const granted: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"])
      void limiter.acquire().then(() => granted.push(name));
    await flush();
    expect(granted).toEqual(["a", "b", "c"]);
    clock.advance(100);
    await flush();
    expect(granted).toEqual(["a", "b", "c", "d"]);
    clock.advance(100);
    await flush();
    expect(granted).toEqual(["a", "b", "c", "d", "e"]);
    expect(limiter.waitedMs).toBe(100 + 200);
  });

  it("serves waiting normal requests before low-priority ones", async () => {
    const clock = new FakeClock();
    const limiter = tokenBucket(10, 1, clock);
    const granted: string[] = [];
    await limiter.acquire();
    void limiter.acquire("low").then(() => granted.push("event"));
    void limiter.acquire().then(() => granted.push("status"));
    void limiter.acquire().then(() => granted.push("routes"));
    clock.advance(300);
    await flush();
    expect(granted).toEqual(["status", "routes", "event"]);
  });
});
