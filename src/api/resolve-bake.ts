// analysis.bake (a Siskin addition): after a promotion, how long the promoted primary keeps being judged
// and which of the run's metrics judge it. A metric that only compares the canary with the primary has
// nothing to compare once the primary is all there is, so it cannot bake.
import type { CanarySpec } from "./canary.ts";
import type { Issue, ResolvedMetric } from "./resolve.ts";
import { parseDuration } from "../util/durations.ts";

export interface ResolvedBake {
  durationMs: number;
  /** analysis.rollbackWindow: how long the previous release's pods stay warm after a promotion. */
  rollbackWindowMs?: number;
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
  if (!bake) {
    if (analysis.rollbackWindow !== undefined)
      issues.push({
        path: "spec.analysis.rollbackWindow",
        message:
          "warm pods serve a bake revert or an undo, which need analysis.bake; add analysis.bake (for example duration: 10m) or remove rollbackWindow",
      });
    return undefined;
  }
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
  const rollbackWindowMs = resolveRollbackWindow(
    analysis.rollbackWindow,
    issues,
  );
  return {
    durationMs,
    metrics: chosen,
    ...(rollbackWindowMs ? { rollbackWindowMs } : {}),
  };
}

function resolveRollbackWindow(
  window: string | undefined,
  issues: Issue[],
): number | undefined {
  if (window === undefined) return undefined;
  const path = "spec.analysis.rollbackWindow";
  const ms = parseDuration(window);
  if (ms === undefined || ms <= 0) {
    issues.push({
      path,
      message: `"${window}" is not a duration like 10m or 1h`,
    });
    return undefined;
  }
  if (ms > maxBakeMs) {
    issues.push({
      path,
      message: `${window} is longer than the maximum of 24h; lower it`,
    });
    return undefined;
  }
  return ms;
}
