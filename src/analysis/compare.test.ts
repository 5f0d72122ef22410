import { describe, expect, it } from "vitest";
import { describeCheck, judgeAgainstPrimary } from "./verdicts.ts";

const ratio = { maxDegradation: 1.5, as: "ratio" } as const;
const points = { maxDegradation: 1, as: "points" } as const;

describe("compareTo: primary", () => {
  it.each([
    // [what, canary, primary, compare, absolute range, verdict]
    ["twice as slow as the primary", 200, 100, ratio, {}, "fail"],
    ["1.4x the primary", 140, 100, ratio, {}, "pass"],
    ["exactly at the bound", 150, 100, ratio, {}, "pass"],
    ["faster than the primary", 80, 100, ratio, {}, "pass"],
    [
      "slow but within ratio, over the absolute max",
      600,
      500,
      ratio,
      { max: 500 },
      "fail",
    ],
    ["primary at 0 ms, canary too", 0, 0, ratio, {}, "pass"],
    ["primary at 0 ms, canary slower", 5, 0, ratio, {}, "fail"],
    ["success rate 1.5 points below", 98.5, 100, points, {}, "fail"],
    ["success rate 0.5 points below", 99.5, 100, points, {}, "pass"],
    ["success rate above the primary", 100, 97, points, {}, "pass"],
  ] as const)("%s: %s", (_, canary, primary, compare, range, verdict) => {
    expect(
      judgeAgainstPrimary("m", canary, primary, compare, range).verdict,
    ).toBe(verdict);
  });

  it("no data on either side is inconclusive, naming the side", () => {
    expect(judgeAgainstPrimary("m", undefined, 100, ratio, {})).toMatchObject({
      verdict: "nodata",
      message: "no data for the canary",
      primaryValue: 100,
    });
    expect(judgeAgainstPrimary("m", 100, Number.NaN, ratio, {})).toMatchObject({
      verdict: "nodata",
      message: "no data for the primary",
      value: 100,
    });
  });

  it("the verdict names both values and the bound", () => {
    const check = judgeAgainstPrimary(
      "request-duration",
      248,
      99,
      ratio,
      { max: 500 },
      "q",
    );
    expect(check).toMatchObject({
      verdict: "fail",
      value: 248,
      primaryValue: 99,
      threshold: "<= 1.5x primary, <= 500",
    });
    expect(describeCheck(check)).toBe(
      "metric request-duration 248 outside threshold <= 1.5x primary, <= 500 (canary 248 vs primary 99: 2.51x the primary (max 1.5x))",
    );
  });
});
