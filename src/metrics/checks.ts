// Runs a canary's metric checks. Every check ends in a verdict: pass, fail, nodata or error; a
// provider that errors or hangs gives "error" for its check only, within the timeout.
import type { CheckResult } from "../api/canary.ts";
import type { ResolvedMetric, ResolvedSpec } from "../api/resolve.ts";
import { judge } from "../analysis/verdicts.ts";
import { envoyClusterName } from "../routers/gloo.ts";
import { formatDuration } from "../util/durations.ts";
import { errorMessage } from "../util/errors.ts";
import { builtinQueries, type BuiltinMetric } from "./builtin.ts";
import { render } from "./render.ts";
import type { MetricProvider } from "./types.ts";

export interface CheckContext {
  name: string;
  namespace: string;
  spec: ResolvedSpec;
  /** Provider for built-in metrics and inline queries (the spec's metricsServer). */
  prometheus: MetricProvider;
  timeoutMs: number;
}

function builtinQuery(metric: ResolvedMetric, ctx: CheckContext): string {
  const queries =
    builtinQueries[ctx.spec.provider as keyof typeof builtinQueries];
  const template = queries?.[metric.name as BuiltinMetric];
  if (!template)
    throw new Error(
      `no built-in ${metric.name} query for provider ${ctx.spec.provider}; use a MetricTemplate`,
    );
  return render(template, {
    cluster: envoyClusterName(
      ctx.namespace,
      ctx.spec.apexName,
      "canary",
      ctx.spec.port,
    ),
    interval: formatDuration(metric.intervalMs),
  });
}

export async function runCheck(
  metric: ResolvedMetric,
  ctx: CheckContext,
): Promise<CheckResult> {
  const range = {
    ...(metric.min !== undefined ? { min: metric.min } : {}),
    ...(metric.max !== undefined ? { max: metric.max } : {}),
  };
  let query: string | undefined;
  try {
    if (metric.templateRef) {
      throw new Error(
        `MetricTemplate ${metric.templateRef.namespace}/${metric.templateRef.name}: template metrics are not supported by this build yet`,
      );
    }
    query = metric.query ?? builtinQuery(metric, ctx);
    const signal = AbortSignal.timeout(ctx.timeoutMs);
    const value = await ctx.prometheus.query(query, signal);
    return judge(metric.name, value, range, query);
  } catch (error) {
    return {
      ...judge(metric.name, 0, range, query),
      verdict: "error",
      value: undefined,
      message: errorMessage(error),
    };
  }
}

/** All checks in parallel: one slow provider delays only its own check, bounded by the timeout. */
export function runChecks(ctx: CheckContext): Promise<CheckResult[]> {
  return Promise.all(ctx.spec.metrics.map((m) => runCheck(m, ctx)));
}
