import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { statusError } from "../kube/client/errors.ts";
import { discoveryAttempts, servedResources } from "./discovery.ts";

const logger = pino({ level: "silent" });
const list = { resources: [{ name: "routetables" }] };

/** Drives the fake clock until `work` settles: each backoff sleep is a pending timer. */
async function settle<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let done = false;
  void work.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    if (clock.pending > 0) clock.advance(10_000);
  }
  return work;
}

describe("API discovery at start", () => {
  it("404 is not served; a list is served", async () => {
    const clock = new FakeClock();
    const notServed = {
      request: async () =>
        Promise.reject(statusError("GET", "/apis/x", 404, "{}")),
    };
    expect(
      await servedResources(
        { client: notServed as never, clock, logger },
        "gateway.solo.io/v1",
      ),
    ).toBeUndefined();
    const served = { request: async () => list };
    expect(
      await servedResources(
        { client: served as never, clock, logger },
        "gateway.solo.io/v1",
      ),
    ).toEqual(new Set(["routetables"]));
  });

  it("asks again after a 503 (the old code took it for no Gloo), and gives up with an error after the last try", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const flaky = {
      request: async () => {
        calls += 1;
        if (calls < 3)
          throw statusError(
            "GET",
            "/apis/gateway.solo.io/v1",
            503,
            '{"message":"unavailable"}',
          );
        return list;
      },
    };
    expect(
      await settle(
        clock,
        servedResources(
          { client: flaky as never, clock, logger },
          "gateway.solo.io/v1",
        ),
      ),
    ).toEqual(new Set(["routetables"]));
    expect(calls).toBe(3);
    const down = {
      request: async () => Promise.reject(new Error("connect ECONNREFUSED")),
    };
    await expect(
      settle(
        clock,
        servedResources(
          { client: down as never, clock, logger },
          "gateway.solo.io/v1",
        ),
      ),
    ).rejects.toThrow(
      new RegExp(
        `cannot tell whether the cluster serves gateway.solo.io/v1 after ${discoveryAttempts} tries: connect ECONNREFUSED`,
      ),
    );
  });
});
