import { describe, expect, it } from "vitest";
import { idealRunSeconds, type BusyResult } from "./phases.ts";
import { checkTargets, rssTargetMiB, type FleetReport } from "./report.ts";

const busy = (succeededMaxSeconds: number): BusyResult => ({
  released: 333,
  succeeded: 333,
  steps: 1665,
  stepLatenessP50Seconds: 0,
  stepLatenessP99Seconds: 0.5,
  stepLatenessMaxSeconds: 0.9,
  succeededP50Seconds: succeededMaxSeconds - 3,
  succeededMaxSeconds,
  idealSeconds: idealRunSeconds(10_000),
  intervalSeconds: 10,
  startP50Seconds: 1,
  startMaxSeconds: 2,
  analysisP50Seconds: 52,
  promotionP50Seconds: 16,
  promotionMaxSeconds: 19,
});

const report = (b: BusyResult): FleetReport => ({
  canaries: 1000,
  unrelated: 10_000,
  initializedSeconds: 90,
  idleBeforeUnrelated: { cpuPercent: 0.1, rssMiB: [100] },
  idle: { cpuPercent: 0.1, rssMiB: [110, 110] },
  unrelatedRssGrowthMiB: 0,
  idleRequestsPerMinute: {},
  idleChurnPerMinute: {},
  detection: {
    releases: 20,
    detected: 20,
    p50Seconds: 0.02,
    p99Seconds: 0.04,
    maxSeconds: 0.04,
  },
  busy: b,
  operatorLogTail: "",
});

describe("fleet benchmark targets", () => {
  it("counts the issue's schedule: five weight steps, the step at maxWeight, the promotion", () => {
    expect(idealRunSeconds(10_000)).toBe(70);
  });

  it("lets the slowest Succeeded come up to two intervals after the ideal schedule", () => {
    expect(checkTargets(report(busy(90)))).toEqual([]);
    expect(checkTargets(report(busy(90.1)))).toEqual([
      "busy: slowest Succeeded after 90.1 s (target <= 90 s: ideal 70 s + 2 intervals)",
    ]);
  });
});

describe("targets by fleet size", () => {
  it("holds idle RSS to Flagger's at 300 and 1,000 and to 250 MiB at 5,000", () => {
    expect(rssTargetMiB(100)).toBeUndefined();
    expect(rssTargetMiB(300)).toBe(83);
    expect(rssTargetMiB(1000)).toBe(120);
    expect(rssTargetMiB(5000)).toBe(250);
    const at = (canaries: number, mib: number) =>
      checkTargets({
        ...report(busy(80)),
        canaries,
        idle: { cpuPercent: 0.1, rssMiB: [mib] },
      });
    expect(at(300, 83)).toEqual([]);
    expect(at(300, 84)).toEqual(["idle RSS 84 MiB (target <= 83)"]);
    expect(at(5000, 250)).toEqual([]);
  });

  it("misses a busy fleet whose operator-side step time p99 is over 100 ms", () => {
    const spread = (p99: number) => ({ p50: 10, p99, max: p99 });
    const split = (p99: number) => ({
      steps: 10,
      operatorMs: spread(p99),
      workloadMs: spread(0),
      queueMs: spread(1),
      slotsMs: spread(0),
      metricsMs: spread(200),
      applyMs: spread(1),
      serverMs: spread(5),
    });
    expect(
      checkTargets({ ...report(busy(80)), busySplit: split(100) }),
    ).toEqual([]);
    expect(
      checkTargets({ ...report(busy(80)), busySplit: split(101) }),
    ).toEqual(["busy operator-side step time p99 101 ms (target <= 100)"]);
  });
});
