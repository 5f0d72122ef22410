// Metric verdicts: a value against a threshold range, and how a check is told to people.
import type { CheckResult } from "../api/canary.ts";

export interface Range {
  min?: number;
  max?: number;
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

function formatValue(value: number | undefined): string {
  if (value === undefined) return "n/a";
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** One line a person can act on: which metric, what it measured, against what, and the verdict. */
export function describeCheck(check: CheckResult): string {
  switch (check.verdict) {
    case "pass":
      return `metric ${check.metric} ${formatValue(check.value)} within threshold ${check.threshold}`;
    case "fail":
      return `metric ${check.metric} ${formatValue(check.value)} outside threshold ${check.threshold}`;
    case "nodata":
      return `metric ${check.metric} returned no data (threshold ${check.threshold})`;
    case "error":
      return `metric ${check.metric} could not be checked: ${check.message ?? "error"}`;
  }
}
