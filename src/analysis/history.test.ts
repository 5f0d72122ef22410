import { describe, expect, it } from "vitest";
import type { CanaryStatus, CheckResult } from "../api/canary.ts";
import { breach, Run } from "../../test/fixtures/decide-run.ts";
import { maxSteps, openRun, recordStep } from "./history.ts";

const tenMetrics = (step: number): CheckResult[] =>
  Array.from({ length: 10 }, (_, i) => ({
    metric: `metric-with-a-realistic-name-${i}`,
    verdict: step % 7 === 0 ? "fail" : "pass",
    // Awkward values: long decimals are rounded to 4 significant digits.
    value: 1234.56789 / (step + i + 1),
    threshold: "0.5 <= value <= 500",
  }));

describe("status.history", () => {
  it("stays under 32 KiB with 10 metrics, 2 runs of more than 100 steps", () => {
    let status: CanaryStatus = {};
    const start = new Date("2026-11-23T10:00:00Z");
    for (const run of [1, 2, 3]) {
      status = { history: openRun(status, `rev${run}`, start) };
      for (let step = 0; step < 150; step++)
        status = {
          history: recordStep(status, {
            at: new Date(start.getTime() + step * 60_000),
            weight: step % 50,
            checks: tenMetrics(step),
            failed: step % 7 === 0,
          }),
        };
    }
    const runs = status.history?.runs ?? [];
    expect(runs.map((r) => r.revision)).toEqual(["rev2", "rev3"]);
    for (const r of runs) {
      expect(r.t).toHaveLength(maxSteps);
      expect(r.w).toHaveLength(maxSteps);
      expect(r.f).toHaveLength(maxSteps);
      expect(r.metrics).toHaveLength(10);
      for (const m of r.metrics) {
        expect(m.v).toHaveLength(maxSteps);
        expect(m.r).toHaveLength(maxSteps);
      }
      // The oldest steps were dropped: the last one kept is step 149.
      expect(r.t.at(-1)).toBe(149 * 60);
    }
    const bytes = Buffer.byteLength(JSON.stringify(status));
    console.log(
      `status.history: ${bytes} bytes for 2 runs x 100 steps x 10 metrics`,
    );
    expect(bytes).toBeLessThan(32 * 1024);
  });

  it("keeps a metric's columns aligned with the steps when it first appears later", () => {
    const start = new Date("2026-11-23T10:00:00Z");
    let status: CanaryStatus = { history: openRun({}, "rev1", start) };
    status = {
      ...status,
      history: recordStep(status, {
        at: new Date(start.getTime() + 10_000),
        weight: 0,
        checks: [],
        failed: false,
      }),
    };
    status = {
      ...status,
      history: recordStep(status, {
        at: new Date(start.getTime() + 20_000),
        weight: 10,
        checks: [{ metric: "latency", verdict: "nodata", threshold: "<= 500" }],
        failed: true,
      }),
    };
    expect(status.history?.runs[0]).toEqual({
      revision: "rev1",
      startedAt: start.toISOString(),
      t: [10, 20],
      w: [0, 10],
      f: "pf",
      metrics: [
        { name: "latency", threshold: "<= 500", v: [null, null], r: "-n" },
      ],
    });
  });

  it("the core records each analysis step of a run, failed ones marked, and a new run opens a new record", () => {
    const run = new Run().tick().tick();
    run.obs.targetRevision = "rev2";
    run.tick(); // the run starts
    run.advance(10_000).tick(); // step at weight 0 (no traffic yet, no checks) -> 10
    run.advance(10_000).tick(breach); // step at weight 10 fails
    run.advance(10_000).tick(); // passes -> 20
    const current = run.status.history?.runs.at(-1);
    expect(current?.revision).toBe("rev2");
    expect(current?.w).toEqual([0, 10, 10]);
    expect(current?.t).toEqual([10, 20, 30]);
    expect(current?.f).toBe("pfp");
    expect(current?.metrics[0]).toMatchObject({
      name: "request-success-rate",
      v: [null, 42, 100],
      r: "-fp",
    });
    run.obs.targetRevision = "rev3";
    run.tick();
    expect(run.status.history?.runs.map((r) => r.revision)).toEqual([
      "rev2",
      "rev3",
    ]);
    expect(run.status.history?.runs.at(-1)?.t).toEqual([]);
  });
});
