// The Event recorder with a fake API on a fake clock: identical Events become one Event with a count,
// each object's Events are rate-limited, other objects are not affected, and an expired Event is
// written anew.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { KubeApiError } from "./client/errors.ts";
import { kubeEventRecorder, type EventApi } from "./events.ts";

interface Written {
  verb: "create" | "patch";
  name: string;
  count?: number;
  message?: string;
}

function fakeApi() {
  const writes: Written[] = [];
  const stored = new Map<string, number>();
  const api = {
    create: async (object: {
      metadata: { name: string };
      count: number;
      message: string;
    }) => {
      writes.push({
        verb: "create",
        name: object.metadata.name,
        count: object.count,
        message: object.message,
      });
      stored.set(object.metadata.name, object.count);
      return object;
    },
    patch: async (ref: { name: string }, body: { count: number }) => {
      if (!stored.has(ref.name))
        throw new KubeApiError("NOT_FOUND", "gone", 404, "NotFound");
      writes.push({ verb: "patch", name: ref.name, count: body.count });
      stored.set(ref.name, body.count);
      return {};
    },
  } as unknown as EventApi;
  return { api, writes, stored };
}

const canary = (name: string) => ({
  apiVersion: "flagger.app/v1beta1",
  kind: "Canary",
  name,
  namespace: "apps",
  uid: `uid-${name}`,
});
const logger = pino({ level: "silent" });

describe("kubeEventRecorder", () => {
  it("an identical Event raises the count of the one written, instead of a new object", async () => {
    const clock = new FakeClock(0);
    const { api, writes, stored } = fakeApi();
    const events = kubeEventRecorder(api, clock, logger);
    for (let i = 0; i < 5; i++) {
      await events.record(
        canary("a"),
        "Warning",
        "MetricCheckFailed",
        "prometheus unreachable",
      );
      clock.advance(10_000);
    }
    await events.record(
      canary("a"),
      "Warning",
      "MetricCheckFailed",
      "another message",
    );
    expect(writes.map((w) => [w.verb, w.count])).toEqual([
      ["create", 1],
      ["patch", 2],
      ["patch", 3],
      ["patch", 4],
      ["patch", 5],
      ["create", 1],
    ]);
    expect(new Set(writes.slice(0, 5).map((w) => w.name)).size).toBe(1);
    expect([...stored.values()].sort()).toEqual([1, 5]);
  });

  it("a flood on one object is cut to its burst and rate; another object is not affected", async () => {
    const clock = new FakeClock(0);
    const { api, writes } = fakeApi();
    const events = kubeEventRecorder(api, clock, logger);
    // A provider that flaps: 1,000 different messages in 10 s.
    for (let i = 0; i < 1000; i++) {
      await events.record(
        canary("flappy"),
        "Warning",
        "MetricCheckFailed",
        `value ${i}`,
      );
      clock.advance(10);
    }
    // 25 at once, then one per 5 s: one more in these 10 s (at 5 s).
    expect(writes).toHaveLength(26);
    expect(events.dropped).toBe(974);
    await events.record(
      canary("calm"),
      "Normal",
      "Synced",
      "promotion completed",
    );
    expect(writes.at(-1)).toMatchObject({
      verb: "create",
      message: "promotion completed",
    });
  });

  it("an Event that expired from the API server is written anew", async () => {
    const clock = new FakeClock(0);
    const { api, writes, stored } = fakeApi();
    const events = kubeEventRecorder(api, clock, logger);
    await events.record(canary("a"), "Normal", "Synced", "same");
    stored.clear(); // the API server's one-hour TTL
    clock.advance(10_000);
    await events.record(canary("a"), "Normal", "Synced", "same");
    expect(writes.map((w) => [w.verb, w.count])).toEqual([
      ["create", 1],
      ["create", 1],
    ]);
  });
});
