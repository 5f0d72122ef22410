import { describe, expect, it } from "vitest";
import { StepTimes } from "./step-times.ts";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe("StepTimes", () => {
  it("leaves a lastStepTime in the past as written", () => {
    const times = new StepTimes();
    const status = { lastStepTime: t(0).toISOString() };
    expect(times.onOurClock("a/b", status, t(5))).toBe(status);
  });

  it("counts a time written by a clock 60 s ahead from when it was first seen", () => {
    const times = new StepTimes();
    const status = { lastStepTime: t(60).toISOString(), canaryWeight: 30 };
    expect(times.onOurClock("a/b", status, t(0))).toEqual({
      lastStepTime: t(0).toISOString(),
      canaryWeight: 30,
    });
    // Later reconciles keep the first sighting, so the interval runs out.
    expect(times.onOurClock("a/b", status, t(4)).lastStepTime).toBe(
      t(0).toISOString(),
    );
    // A new step written by the other clock is anchored afresh.
    const next = { lastStepTime: t(70).toISOString() };
    expect(times.onOurClock("a/b", next, t(6)).lastStepTime).toBe(
      t(6).toISOString(),
    );
    // Once written on our clock (in the past), it is used as is.
    const ours = { lastStepTime: t(7).toISOString() };
    expect(times.onOurClock("a/b", ours, t(8))).toBe(ours);
  });
});
