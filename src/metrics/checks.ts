// Runs a canary's metric checks. Every check ends in a verdict: pass, fail, nodata, inconclusive (a
// built-in metric whose window holds fewer than minRequests canary requests) or error; a provider that
// errors or hangs gives "error" for its check only, within the timeout.
import type { CheckResult } from "../api/canary.ts";
import { shownQueryLength } from "../api/bounds.ts";
import { withoutUserinfo } from "../util/urls.ts";
import type { ResolvedMetric, ResolvedSpec } from "../api/resolve.ts";
import { judge, judgeAgainstPrimary, rangeOf } from "../analysis/verdicts.ts";
import { formatDuration } from "../util/durations.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import { errorMessage, SiskinError } from "../util/errors.ts";
import { templateProvider } from "./registry.ts";
import { renderTemplateQuery } from "./template.ts";
import {
  builtinQuery as renderBuiltin,
  namingsOf,
  requestCountQuery,
  type BuiltinMetric,
  type BuiltinTarget,
  type GatewayApiFlavour,
} from "./builtin.ts";
import type { KubeGet } from "./providers/externalmetrics.ts";
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
  /** GETs on the operator's API server (the external metrics API); absent in tests that need none. */
  kube?: KubeGet;
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
  /** Request counts by window, shared by the step's built-in checks (one query per window). */
  requestCounts?: Map<number, Promise<number | undefined>>;
  /** Which Envoy-based gateway serves the Gateway API routers (--gateway-api-metrics; default kgateway). */
  gatewayApiMetrics?: GatewayApiFlavour;
  /** Whose metrics the checks judge: the canary (a run's step, default) or the primary (a bake). */
  subject?: Side;
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
    ...(lookups.kube ? { kube: lookups.kube } : {}),
  });
  return { template, provider };
}

export type Side = "canary" | "primary";

/**
 * The query and the provider that answers it, for one metric and one side. The primary's query is the
 * same with the primary's names: its Envoy cluster for built-ins, `{{ target }}` and `{{ service }}`
 * rendered as `<target>-primary` and `<service>-primary` in templates.
 */
function source(
  metric: ResolvedMetric,
  ctx: CheckContext,
  side: Side = "canary",
): { query: string; provider: MetricProvider; providerKey: string } {
  const ref = metric.templateRef;
  if (!ref)
    return {
      query: metric.query ?? builtinQuery(metric, ctx, side),
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
  const spec =
    side === "primary"
      ? {
          ...ctx.spec,
          targetName: `${ctx.spec.targetName}-primary`,
          apexName: `${ctx.spec.apexName}-primary`,
        }
      : ctx.spec;
  const query = renderTemplateQuery(template.query, {
    canaryName: ctx.name,
    namespace: ctx.namespace,
    spec,
    metric,
    templateName,
  });
  const where = template.provider.address ?? template.provider.region ?? "";
  return { query, provider, providerKey: `${template.provider.type} ${where}` };
}

const targetOf = (ctx: CheckContext): BuiltinTarget => ({
  namespace: ctx.namespace,
  apex: ctx.spec.apexName,
  port: ctx.spec.port,
  grpc: ctx.spec.grpc,
});

const namings = (ctx: CheckContext) =>
  namingsOf(ctx.spec.routers, ctx.gatewayApiMetrics ?? "kgateway");

/** The canary's requests in the metric's window (no series: none). */
function requestCount(
  metric: ResolvedMetric,
  ctx: CheckContext,
): { query: string; count: Promise<number | undefined> } {
  const query = requestCountQuery(
    namings(ctx),
    targetOf(ctx),
    formatDuration(metric.intervalMs),
    ctx.subject ?? "canary",
  );
  if (!query)
    throw new Error(
      `no request count query for provider ${ctx.spec.provider}; set minRequests: 0`,
    );
  const counts = (ctx.requestCounts ??= new Map());
  let count = counts.get(metric.intervalMs);
  if (!count) {
    const bounded = ctx.bounded ?? ((_key, work) => work());
    count = bounded(`prometheus ${ctx.spec.metricsServer}`, () =>
      ctx.prometheus.query(query, AbortSignal.timeout(ctx.timeoutMs)),
    );
    counts.set(metric.intervalMs, count);
  }
  return { query, count };
}

function builtinQuery(
  metric: ResolvedMetric,
  ctx: CheckContext,
  side: Side,
): string {
  const query = renderBuiltin(
    metric.name as BuiltinMetric,
    namings(ctx),
    targetOf(ctx),
    side,
    formatDuration(metric.intervalMs),
  );
  if (!query)
    throw new Error(
      `no built-in ${metric.name} query for provider ${ctx.spec.provider}; use a MetricTemplate`,
    );
  return query;
}

export async function runCheck(
  metric: ResolvedMetric,
  ctx: CheckContext,
): Promise<CheckResult> {
  const range = rangeOf(metric);
  const dryRun = metric.dryRun ? { dryRun: true } : {};
  let query: string | undefined;
  try {
    const bounded = ctx.bounded ?? ((_key, work) => work());
    // Async, so a problem rendering either side is a rejection Promise.all handles, never an orphan.
    const measure = async (side: Side) => {
      const {
        query: rendered,
        provider,
        providerKey,
      } = source(metric, ctx, side);
      if (side === (ctx.subject ?? "canary")) query = rendered;
      // The timeout starts when the call does, not while it waits for its provider's bound.
      return bounded(providerKey, () =>
        provider.query(rendered, AbortSignal.timeout(ctx.timeoutMs)),
      );
    };
    // The canary's request count is asked beside the metric itself, not before it: a step waits for
    // one round trip to the provider, not two.
    const tooFew = async (): Promise<CheckResult | undefined> => {
      if (metric.minRequests <= 0) return undefined;
      const counted = requestCount(metric, ctx);
      const requests = (await counted.count) ?? 0;
      if (requests >= metric.minRequests) return undefined;
      return {
        ...judge(metric.name, undefined, range, counted.query),
        verdict: "inconclusive",
        message: `no traffic to judge: ${Math.round(requests)} ${ctx.subject ?? "canary"} requests in the last ${formatDuration(metric.intervalMs)}, fewer than minRequests ${metric.minRequests}`,
        ...dryRun,
      };
    };
    if (metric.compare) {
      const [few, c, p] = await Promise.all([
        tooFew(),
        measure("canary"),
        measure("primary"),
      ]);
      if (few) return few;
      return {
        ...judgeAgainstPrimary(metric.name, c, p, metric.compare, range, query),
        ...dryRun,
      };
    }
    const [few, value] = await Promise.all([
      tooFew(),
      measure(ctx.subject ?? "canary"),
    ]);
    if (few) return few;
    return { ...judge(metric.name, value, range, query), ...dryRun };
  } catch (error) {
    return {
      ...judge(metric.name, 0, range, query),
      verdict: "error",
      value: undefined,
      message: errorMessage(error),
      ...dryRun,
    };
  }
}

/** A result as the status and Events show it: the query and message cut, userinfo removed. */
export function shownCheck(c: CheckResult): CheckResult {
  const cut = (text: string, max: number) =>
    text.length > max ? `${text.slice(0, max)}...` : text;
  return {
    ...c,
    ...(c.query !== undefined
      ? { query: cut(withoutUserinfo(c.query), shownQueryLength) }
      : {}),
    ...(c.message !== undefined
      ? { message: cut(withoutUserinfo(c.message), 1000) }
      : {}),
  };
}

/** All checks in parallel: one slow provider delays only its own check, bounded by the timeout. */
export async function runChecks(ctx: CheckContext): Promise<CheckResult[]> {
  const shared = { ...ctx, requestCounts: new Map() };
  const results = await Promise.all(
    ctx.spec.metrics.map((m) => runCheck(m, shared)),
  );
  return results.map(shownCheck);
}
