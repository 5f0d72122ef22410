// One analysis metric checked and defaulted: a built-in, an inline query or a MetricTemplate reference,
// its window, thresholds and comparison with the primary; split from resolve.ts, which calls it.
import type { CanaryMetric } from "./canary.ts";
import type { Issue, ResolveContext, ResolvedMetric } from "./resolve.ts";
import { parseDuration } from "../util/durations.ts";

export const builtinMetricNames = [
  "request-success-rate",
  "request-duration",
] as const;
export function resolveMetric(
  metric: CanaryMetric,
  path: string,
  minRequests: number,
  ctx: ResolveContext,
  issues: Issue[],
): ResolvedMetric {
  const intervalMs =
    metric.interval === undefined ? 60_000 : parseDuration(metric.interval);
  if (intervalMs === undefined)
    issues.push({
      path: `${path}.interval`,
      message: `"${metric.interval}" is not a duration`,
    });
  const builtin = (builtinMetricNames as readonly string[]).includes(
    metric.name,
  );
  if (!builtin && !metric.templateRef && !metric.query) {
    issues.push({
      path: `${path}.name`,
      message: `"${metric.name}" is not a built-in metric (${builtinMetricNames.join(", ")}); set templateRef to use a MetricTemplate`,
    });
  }
  const min = metric.thresholdRange?.min ?? metric.threshold;
  const max = metric.thresholdRange?.max;
  if (metric.compareTo && metric.maxDegradation === undefined)
    issues.push({
      path: `${path}.maxDegradation`,
      message:
        "compareTo: primary needs maxDegradation: how much worse than the primary the canary may be (points for rates, a ratio for latencies, for example 1.5)",
    });
  if (
    (metric.judge === "mann-whitney" ||
      metric.minSamples !== undefined ||
      metric.significance !== undefined) &&
    !metric.compareTo
  )
    issues.push({
      path: `${path}.${metric.judge ? "judge" : metric.minSamples !== undefined ? "minSamples" : "significance"}`,
      message:
        "the Mann-Whitney judge compares the canary with the primary: set compareTo: primary and maxDegradation",
    });
  if (
    metric.judge !== "mann-whitney" &&
    (metric.minSamples !== undefined || metric.significance !== undefined)
  )
    issues.push({
      path: `${path}.judge`,
      message:
        "minSamples and significance are for judge: mann-whitney; set it, or remove them",
    });
  if (min === undefined && max === undefined && !metric.compareTo) {
    issues.push({
      path: `${path}.thresholdRange`,
      message: "set thresholdRange.min and/or max, or the check can never fail",
    });
  }
  return {
    name: metric.name,
    intervalMs: intervalMs ?? 60_000,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(metric.templateRef
      ? {
          templateRef: {
            name: metric.templateRef.name,
            namespace: metric.templateRef.namespace || ctx.namespace,
          },
        }
      : {}),
    templateVariables: metric.templateVariables ?? {},
    ...(metric.query ? { query: metric.query } : {}),
    // Only the built-in queries know how to count the canary's requests.
    minRequests:
      builtin && !metric.query && !metric.templateRef
        ? (metric.minRequests ?? minRequests)
        : 0,
    dryRun: metric.dryRun ?? false,
    ...(metric.compareTo && metric.maxDegradation !== undefined
      ? {
          compare: {
            maxDegradation: metric.maxDegradation,
            as:
              metric.degradation ??
              (metric.name === "request-success-rate" ||
              (min !== undefined && max === undefined)
                ? "points"
                : "ratio"),
            ...(metric.judge === "mann-whitney"
              ? {
                  samples: {
                    min: metric.minSamples ?? 5,
                    significance: metric.significance ?? 0.05,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}
