// analysis.bake (a Siskin addition): after a promotion, how long the promoted primary keeps being judged
// and which of the run's metrics judge it. A metric that only compares the canary with the primary has
// nothing to compare once the primary is all there is, so it cannot bake.
import type { CanarySpec } from "./canary.ts";
import type { Issue, ResolvedMetric } from "./resolve.ts";
import { parseDuration } from "../util/durations.ts";

export interface ResolvedBake {
  durationMs: number;
  /** The metrics judged on the primary at each interval of the bake. */
  metrics: ResolvedMetric[];
}

/** The longest bake: a day, like the longest interval. */
const maxBakeMs = 24 * 3600_000;

export function resolveBake(
  analysis: CanarySpec["analysis"],
  metrics: ResolvedMetric[],
  intervalMs: number,
  issues: Issue[],
): ResolvedBake | undefined {
  const bake = analysis.bake;
  if (!bake) return undefined;
  const durationMs = parseDuration(bake.duration);
  if (durationMs === undefined || durationMs <= 0) {
    issues.push({
      path: "spec.analysis.bake.duration",
      message: `"${bake.duration}" is not a duration like 10m or 1h`,
    });
    return undefined;
  }
  if (durationMs > maxBakeMs)
    issues.push({
      path: "spec.analysis.bake.duration",
      message: `${bake.duration} is longer than the maximum of 24h; lower it`,
    });
  if (durationMs < intervalMs)
    issues.push({
      path: "spec.analysis.bake.duration",
      message: `${bake.duration} is shorter than analysis.interval: no check would run; make it at least one interval`,
    });
  const names = bake.metrics ?? metrics.map((m) => m.name);
  const chosen: ResolvedMetric[] = [];
  names.forEach((name, i) => {
    const metric = metrics.find((m) => m.name === name);
    const path = `spec.analysis.bake.metrics[${i}]`;
    if (!metric) {
      issues.push({
        path,
        message: `${name} is not one of analysis.metrics (${metrics.map((m) => m.name).join(", ") || "none"})`,
      });
      return;
    }
    const absolute = metric.min !== undefined || metric.max !== undefined;
    if (!absolute && bake.metrics) {
      issues.push({
        path,
        message: `${name} only compares the canary with the primary, which a bake cannot do; give it a thresholdRange or leave it out`,
      });
      return;
    }
    // By default, the run's metrics that have a threshold of their own.
    if (absolute) chosen.push({ ...metric, compare: undefined });
  });
  return { durationMs, metrics: chosen };
}
