// Metric verdicts: a value against a threshold range, and how a check is told to people.
import type { CheckResult } from "../api/canary.ts";

export interface Range {
  min?: number;
  max?: number;
}

/** A metric's absolute thresholdRange, only the bounds it sets. */
export function rangeOf(metric: Range): Range {
  return {
    ...(metric.min !== undefined ? { min: metric.min } : {}),
    ...(metric.max !== undefined ? { max: metric.max } : {}),
  };
}

/** "42.86 points below the primary (max 1)" or "2.51x the primary (max 1.5x)". */
export function describeDegradation(
  degradation: number,
  compare: { maxDegradation: number; as: "points" | "ratio" },
): string {
  return compare.as === "points"
    ? `${formatValue(Math.max(0, degradation))} points below the primary (max ${compare.maxDegradation})`
    : `${Number.isFinite(degradation) ? degradation.toFixed(2) : "inf"}x the primary (max ${compare.maxDegradation}x)`;
}

export function describeRange(range: Range): string {
  if (range.min !== undefined && range.max !== undefined)
    return `${range.min} <= value <= ${range.max}`;
  if (range.min !== undefined) return `>= ${range.min}`;
  if (range.max !== undefined) return `<= ${range.max}`;
  return "any";
}

/** pass/fail for a value; NaN is "no data", never a threshold breach. */
export function judge(
  metric: string,
  value: number | undefined,
  range: Range,
  query?: string,
): CheckResult {
  const threshold = describeRange(range);
  const base = { metric, threshold, ...(query ? { query } : {}) };
  if (value === undefined || Number.isNaN(value)) {
    return {
      ...base,
      verdict: "nodata",
      message: "no data returned for the query",
    };
  }
  const low = range.min !== undefined && value < range.min;
  const high = range.max !== undefined && value > range.max;
  return { ...base, value, verdict: low || high ? "fail" : "pass" };
}

/**
 * compareTo: primary. The canary against the primary over the same window: "points" for rates (how far
 * below the primary), "ratio" for latencies (how many times the primary). An absolute thresholdRange,
 * when set too, must also hold. Either side without data is inconclusive.
 */
export function judgeAgainstPrimary(
  metric: string,
  canary: number | undefined,
  primary: number | undefined,
  compare: { maxDegradation: number; as: "points" | "ratio" },
  range: Range,
  query?: string,
): CheckResult {
  const bound =
    compare.as === "points"
      ? `>= primary - ${compare.maxDegradation}`
      : `<= ${compare.maxDegradation}x primary`;
  const threshold =
    range.min !== undefined || range.max !== undefined
      ? `${bound}, ${describeRange(range)}`
      : bound;
  const base = { metric, threshold, ...(query ? { query } : {}) };
  const missing = (v: number | undefined) => v === undefined || Number.isNaN(v);
  if (missing(canary) || missing(primary))
    return {
      ...base,
      ...(canary !== undefined && !Number.isNaN(canary)
        ? { value: canary }
        : {}),
      ...(primary !== undefined && !Number.isNaN(primary)
        ? { primaryValue: primary }
        : {}),
      verdict: "nodata",
      message: `no data for the ${missing(canary) ? "canary" : "primary"}`,
    };
  const c = canary as number;
  const p = primary as number;
  const degradation =
    compare.as === "points" ? p - c : p > 0 ? c / p : c > 0 ? Infinity : 1;
  const worse = degradation > compare.maxDegradation;
  const absolute = judge(metric, c, range);
  return {
    ...base,
    value: c,
    primaryValue: p,
    verdict: worse || absolute.verdict === "fail" ? "fail" : "pass",
    message: `canary ${formatValue(c)} vs primary ${formatValue(p)}: ${describeDegradation(degradation, compare)}`,
  };
}

function formatValue(value: number | undefined): string {
  if (value === undefined) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const versus = (check: CheckResult): string =>
  check.primaryValue !== undefined && check.message
    ? ` (${check.message})`
    : "";

const dry = (check: CheckResult): string =>
  check.dryRun ? " (dry-run: not counted)" : "";

/** One line a person can act on: which metric, what it measured, against what, and the verdict. */
export function describeCheck(check: CheckResult): string {
  switch (check.verdict) {
    case "pass":
      return `metric ${check.metric} ${formatValue(check.value)} within threshold ${check.threshold}${versus(check)}${dry(check)}`;
    case "fail":
      return `metric ${check.metric} ${formatValue(check.value)} outside threshold ${check.threshold}${versus(check)}${dry(check)}`;
    case "inconclusive":
      return `metric ${check.metric} inconclusive: ${check.message ?? "too little to judge"}${dry(check)}`;
    case "nodata":
      return `metric ${check.metric} returned no data (threshold ${check.threshold})${dry(check)}`;
    case "error":
      return `metric ${check.metric} could not be checked: ${check.message ?? "error"}${dry(check)}`;
  }
}
