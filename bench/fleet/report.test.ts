import { describe, expect, it } from "vitest";
import { idealRunSeconds, type BusyResult } from "./phases.ts";
import { checkTargets, type FleetReport } from "./report.ts";

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
