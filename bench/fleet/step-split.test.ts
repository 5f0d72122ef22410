import { describe, expect, it } from "vitest";
import { stepSplit, stepTimings, type StepSplitInput } from "./step-split.ts";

const t0 = Date.parse("2026-12-03T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const key = "fleet-00/app-0001";

/** One Canary stepping 0 -> 10 -> 20, due every 10 s from t0, with the given delays. */
function run(delays: {
  queue: number;
  metrics: number;
  apply: number;
  server: number;
}): StepSplitInput {
  const { queue, metrics, apply, server } = delays;
  const step10 = t0 + 10_000 + queue + apply; // weight 0 judges no metrics: all wait is queue + apply
  const due20 = t0 + 20_000;
  const asked = due20 + queue;
  const answered = asked + metrics;
  const step20 = answered + apply;
  return {
    intervalMs: 10_000,
    released: new Map([[key, t0 - 1000]]),
    weights: [10, 20, 30],
    statusWrites: [
      {
        key,
        receivedAt: t0 + 5,
        at: t0 + 10,
        lastStepTime: iso(t0),
        canaryWeight: 0,
      },
      // each step's own status is written just before its routes
      {
        key,
        receivedAt: step10 - 8,
        at: step10 - 2,
        lastStepTime: iso(t0 + 10_000),
        canaryWeight: 10,
      },
      {
        key,
        receivedAt: step20 - 8,
        at: step20 - 2,
        lastStepTime: iso(t0 + 20_000),
        canaryWeight: 20,
      },
      // another Canary's writes never count
      {
        key: "fleet-00/app-0002",
        receivedAt: step10,
        at: step10,
        lastStepTime: iso(t0 + 15_000),
        canaryWeight: 20,
      },
    ],
    weightWrites: [
      { key, weight: 10, receivedAt: step10, at: step10 + server },
      { key, weight: 20, receivedAt: step20, at: step20 + server },
    ],
    queries: [
      { key, at: asked, answeredAt: answered - 3 },
      { key, at: asked + 1, answeredAt: answered },
      { key, at: asked + 2, answeredAt: answered - 10 },
      // an answer that comes after the write belongs to a later step
      { key, at: asked + 2, answeredAt: step20 + 1 },
    ],
  };
}

describe("busy step split", () => {
  it("times each step from its due time through the metrics server to the API server", () => {
    const timings = stepTimings(
      run({ queue: 30, metrics: 200, apply: 12, server: 7 }),
    );
    expect(timings).toEqual([
      {
        key,
        weight: 10,
        due: t0 + 10_000,
        workloadMs: 0,
        queueMs: 42,
        slotsMs: 0,
        metricsMs: 0,
        applyMs: 0,
        serverMs: 7,
      },
      {
        key,
        weight: 20,
        due: t0 + 20_000,
        workloadMs: 0,
        queueMs: 30,
        slotsMs: 0,
        metricsMs: 200,
        applyMs: 12,
        serverMs: 7,
      },
    ]);
  });

  it("reports operator-side time without the metrics server's", () => {
    const split = stepSplit(
      run({ queue: 30, metrics: 200, apply: 12, server: 7 }),
    );
    expect(split.steps).toBe(2);
    expect(split.operatorMs).toEqual({ p50: 42, p99: 42, max: 42 });
    expect(split.metricsMs.max).toBe(200);
    expect(split.serverMs.p99).toBe(7);
  });

  it("counts a step from when the canary's pods were ready, when that came after its due time", () => {
    const input = run({ queue: 30, metrics: 200, apply: 12, server: 7 });
    const readyAt = t0 + 10_000 + 25; // the controller-manager's last status write before the step
    const [first, second] = stepTimings({
      ...input,
      readyWrites: [
        { key, receivedAt: t0 - 500, at: t0 - 490 },
        { key, receivedAt: readyAt - 3, at: readyAt },
      ],
    });
    expect(first).toMatchObject({ workloadMs: 25, queueMs: 17, serverMs: 7 });
    expect(second).toMatchObject({ workloadMs: 0, queueMs: 30 });
  });

  it("counts a query that waited for a slot as the operator's time", () => {
    const input = run({ queue: 30, metrics: 500, apply: 12, server: 7 });
    const asked = t0 + 20_030;
    const [, second] = stepTimings({
      ...input,
      // the second query reached the server 100 ms after the first was answered: it waited for a slot
      queries: [
        { key, at: asked, answeredAt: asked + 200 },
        { key, at: asked + 300, answeredAt: asked + 500 },
      ],
    });
    expect(second).toMatchObject({ queueMs: 30, metricsMs: 400, slotsMs: 100 });
    const [, parallel] = stepTimings({
      ...input,
      queries: [
        { key, at: asked, answeredAt: asked + 200 },
        { key, at: asked + 150, answeredAt: asked + 200 },
      ],
    });
    expect(parallel).toMatchObject({ metricsMs: 200, slotsMs: 0 });
  });

  it("stops at a weight the Canary never reached", () => {
    const input = run({ queue: 1, metrics: 1, apply: 1, server: 1 });
    expect(stepTimings(input).map((t) => t.weight)).toEqual([10, 20]);
    expect(
      stepTimings({ ...input, released: new Map([[key, t0 + 60_000]]) }),
    ).toEqual([]);
  });
});
