// judge: mann-whitney. A compareTo: primary metric judged on all of the run's per-interval values
// instead of one window: the canary's and the primary's values of every step so far (status.history,
// 4 significant digits) and this step's, tested with a two-sided Mann-Whitney U test. It fails when the
// difference is significant (p below `significance`) and the Hodges-Lehmann estimate of it is worse than
// maxDegradation, the tolerance band: a significant but small difference passes. Until each side has
// `minSamples` values the step's own point comparison decides. Pure, so replay reaches the same verdicts.
import type { CanaryStatus, CheckResult } from "../api/canary.ts";
import type { Comparison, ResolvedMetric } from "../api/resolve.ts";
import { recordable } from "./history.ts";
import { hodgesLehmann, mannWhitneyU } from "./mann-whitney.ts";
import { describeDegradation, judge, rangeOf } from "./verdicts.ts";

/** The current run's recorded (canary, primary) values of a metric, steps with both only. */
function recordedPairs(
  history: CanaryStatus["history"],
  metric: string,
): { canary: number[]; primary: number[] } {
  const run = history?.runs.at(-1);
  const recorded = run?.outcome
    ? undefined
    : run?.metrics.find((m) => m.name === metric);
  const canary: number[] = [];
  const primary: number[] = [];
  recorded?.v.forEach((v, i) => {
    const p = recorded.pv?.[i];
    if (v === null || p === null || p === undefined) return;
    canary.push(v);
    primary.push(p);
  });
  return { canary, primary };
}

function testSamples(
  metric: ResolvedMetric,
  compare: Comparison,
  samples: { min: number; significance: number },
  check: CheckResult,
  history: CanaryStatus["history"],
): CheckResult {
  const value = recordable(check.value);
  const primaryValue = recordable(check.primaryValue);
  if (value === null || primaryValue === null) return check;
  const recorded = recordedPairs(history, metric.name);
  const canary = [...recorded.canary, value];
  const primary = [...recorded.primary, primaryValue];
  const { min, significance } = samples;
  if (canary.length < min)
    return {
      ...check,
      message: `${check.message ?? ""}; mann-whitney: ${canary.length} of ${min} values per side so far, judged by this window`,
    };
  const { u, p } = mannWhitneyU(canary, primary);
  const degradation =
    compare.as === "points"
      ? -hodgesLehmann(canary, primary, "difference")
      : hodgesLehmann(canary, primary, "ratio");
  const worse =
    p < significance &&
    (Number.isNaN(degradation) || degradation > compare.maxDegradation);
  const absolute = judge(metric.name, check.value, rangeOf(metric));
  return {
    ...check,
    verdict: worse || absolute.verdict === "fail" ? "fail" : "pass",
    message: `mann-whitney over ${canary.length} canary and ${primary.length} primary values: U=${u}, p=${p.toPrecision(3)} (significance ${significance}), effect ${describeDegradation(degradation, compare)}`,
  };
}

/** This step's checks, with those of mann-whitney metrics judged again on the run's values. */
export function judgeRunSamples(
  metrics: ResolvedMetric[],
  checks: CheckResult[],
  history: CanaryStatus["history"],
): CheckResult[] {
  return checks.map((check) => {
    const metric = metrics.find((m) => m.name === check.metric);
    const compare = metric?.compare;
    if (!metric || !compare?.samples) return check;
    if (check.verdict !== "pass" && check.verdict !== "fail") return check;
    return testSamples(metric, compare, compare.samples, check, history);
  });
}
