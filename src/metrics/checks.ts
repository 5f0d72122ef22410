// Runs a canary's metric checks. Every check ends in a verdict: pass, fail, nodata or error; a
// provider that errors or hangs gives "error" for its check only, within the timeout.
import type { CheckResult } from "../api/canary.ts";
import type { ResolvedMetric, ResolvedSpec } from "../api/resolve.ts";
import { judge } from "../analysis/verdicts.ts";
import { envoyClusterName } from "../routers/gloo.ts";
import { formatDuration } from "../util/durations.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import { errorMessage, SiskinError } from "../util/errors.ts";
import { templateProvider } from "./registry.ts";
import { renderTemplateQuery } from "./template.ts";
import { builtinQueries, type BuiltinMetric } from "./builtin.ts";
import { render } from "./render.ts";
import type { MetricProvider } from "./types.ts";

/** Where MetricTemplates and Secrets come from (the informer caches in the operator). */
export interface TemplateLookups {
  /** A MetricTemplate's spec. */
  lookupTemplate(
    namespace: string,
    name: string,
  ): MetricTemplateSpec | undefined;
  /** A Secret's decoded data, read when a check needs it. */
  lookupSecret(
    namespace: string,
    name: string,
  ): Record<string, string> | undefined;
}

export interface CheckContext extends TemplateLookups {
  name: string;
  namespace: string;
  spec: ResolvedSpec;
  /** Provider for built-in metrics and inline queries (the spec's metricsServer). */
  prometheus: MetricProvider;
  timeoutMs: number;
  /** Runs one provider call within that provider's concurrency bound (default: unbounded). */
  bounded?: <T>(provider: string, work: () => Promise<T>) => Promise<T>;
}

/** A metric's MetricTemplate and a provider built from it with the credentials of its Secret. */
export function templateSource(
  metric: ResolvedMetric,
  ref: { namespace: string; name: string },
  lookups: TemplateLookups,
  timeoutMs: number,
): { template: MetricTemplateSpec; provider: MetricProvider } {
  const templateName = `${ref.namespace}/${ref.name}`;
  const template = lookups.lookupTemplate(ref.namespace, ref.name);
  if (!template)
    throw new SiskinError(
      "CONFIG",
      `MetricTemplate ${templateName} not found; create it or fix templateRef`,
    );
  const secretName = template.provider.secretRef?.name;
  const secret = secretName
    ? lookups.lookupSecret(ref.namespace, secretName)
    : undefined;
  if (secretName && !secret) {
    throw new SiskinError(
      "CONFIG",
      `Secret ${ref.namespace}/${secretName} named by MetricTemplate ${templateName} not found; create it`,
    );
  }
  const provider = templateProvider({
    template: { namespace: ref.namespace, name: ref.name, spec: template },
    secret,
    intervalMs: metric.intervalMs,
    timeoutMs,
  });
  return { template, provider };
}

/** The query and the provider that answers it, for one metric. */
function source(
  metric: ResolvedMetric,
  ctx: CheckContext,
): { query: string; provider: MetricProvider; providerKey: string } {
  const ref = metric.templateRef;
  if (!ref)
    return {
      query: metric.query ?? builtinQuery(metric, ctx),
      provider: ctx.prometheus,
      providerKey: `prometheus ${ctx.spec.metricsServer}`,
    };
  const { template, provider } = templateSource(
    metric,
    ref,
    ctx,
    ctx.timeoutMs,
  );
  const templateName = `${ref.namespace}/${ref.name}`;
  const query = renderTemplateQuery(template.query, {
    canaryName: ctx.name,
    namespace: ctx.namespace,
    spec: ctx.spec,
    metric,
    templateName,
  });
  const where = template.provider.address ?? template.provider.region ?? "";
  return { query, provider, providerKey: `${template.provider.type} ${where}` };
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
    const { query: rendered, provider, providerKey } = source(metric, ctx);
    query = rendered;
    const bounded = ctx.bounded ?? ((_key, work) => work());
    // The timeout starts when the call does, not while it waits for its provider's bound.
    const value = await bounded(providerKey, () =>
      provider.query(rendered, AbortSignal.timeout(ctx.timeoutMs)),
    );
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
