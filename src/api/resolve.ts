// Defaulting and semantic validation of a Canary spec: what the CRD schema cannot say.
// The result is either a fully defaulted spec the analysis core can trust, or a list of issues,
// each naming the field and how to fix it.
import { resolveBake, type ResolvedBake } from "./resolve-bake.ts";
import { checkGatewayApi, resolveRouters } from "./resolve-routers.ts";
import { resolveMetric } from "./resolve-metric.ts";
import { parseDuration } from "../util/durations.ts";
import { specBounds } from "./bounds.ts";
import type { RouterName } from "../routers/names.ts";
import type { CanarySpec, CanaryWebhook } from "./canary.ts";

export interface Issue {
  path: string;
  message: string;
}

export type HeaderMatch = {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
};
export type HeaderMatchSet = Record<string, HeaderMatch>;

export type Strategy = "canary" | "blueGreen" | "abTesting";

export { builtinMetricNames } from "./resolve-metric.ts";

export interface ResolvedMetric {
  name: string;
  intervalMs: number;
  min?: number;
  max?: number;
  templateRef?: { name: string; namespace: string };
  templateVariables: Record<string, string>;
  /** Legacy inline Prometheus query. */
  query?: string;
  /** Built-in metrics: fewer canary requests in the window make the check inconclusive (0: off). */
  minRequests: number;
  /** Reported, never counted. */
  dryRun: boolean;
  /** compareTo: primary: the verdict is on how much worse the canary is than the primary. */
  compare?: Comparison;
}

export interface Comparison {
  maxDegradation: number;
  as: "points" | "ratio";
  /** judge: mann-whitney: the run's per-interval values of both sides, tested together. */
  samples?: { min: number; significance: number };
}

export interface ResolvedSpec {
  /** The first of the routers: the one Flagger would use. */
  provider: RouterName;
  /** Every router the Canary drives (spec.routers, else the provider alone), provider first. */
  routers: RouterName[];
  /** The service speaks gRPC (service.appProtocol or portName grpc): Gateway API routers write a GRPCRoute. */
  grpc: boolean;
  metricsServer: string;
  targetName: string;
  apexName: string;
  port: number;
  portName: string;
  targetPort: number | string;
  strategy: Strategy;
  intervalMs: number;
  threshold: number;
  /** Inconclusive intervals in a row that hold the step before each further one counts as failed. */
  maxInconclusive: number;
  /** analysis.bake: the promoted primary judged for a while after the promotion. */
  bake?: ResolvedBake;
  /** A failed analysis rolls back, or holds the run for a person (analysis.onFailure). */
  onFailure: "rollback" | "hold";
  /** Canary weights to step through, in order; the last one is where promotion starts. */
  weights: number[];
  iterations: number;
  stepWeightPromotion: number;
  primaryReadyThreshold: number;
  canaryReadyThreshold: number;
  progressDeadlineSeconds: number;
  metrics: ResolvedMetric[];
  webhooks: CanaryWebhook[];
  /** A/B: request matches that go to the canary (header name -> exact/prefix/suffix/regex). */
  match: HeaderMatchSet[];
  skipAnalysis: boolean;
  suspend: boolean;
  revertOnDeletion: boolean;
}

export interface ResolveContext {
  namespace: string;
  /** Router names from the registry (--mesh-provider is the default). */
  knownProviders: readonly string[];
  defaultProvider: string;
  defaultMetricsServer: string;
  minIntervalMs: number;
  /** --no-cross-namespace-refs: templates and alert providers must be in the Canary's namespace. */
  noCrossNamespaceRefs?: boolean;
}

export type ResolveResult =
  { ok: true; spec: ResolvedSpec } | { ok: false; issues: Issue[] };

export function resolveCanarySpec(
  spec: CanarySpec,
  ctx: ResolveContext,
): ResolveResult {
  const issues: Issue[] = [];
  const analysis = spec.analysis;
  const routers = resolveRouters(spec, ctx, issues);
  const provider = routers[0] ?? "kubernetes";
  if (spec.targetRef.kind !== "Deployment") {
    issues.push({
      path: "spec.targetRef.kind",
      message: `${spec.targetRef.kind} targets are not supported yet; use Deployment`,
    });
  }

  // Flagger's defaults: interval 1m, threshold 1 (0 counts as unset there too).
  const interval = analysis.interval ?? "1m";
  const intervalMs = parseDuration(interval) ?? NaN;
  if (Number.isNaN(intervalMs)) {
    issues.push({
      path: "spec.analysis.interval",
      message: `"${interval}" is not a duration like 30s or 1m`,
    });
  } else if (intervalMs < ctx.minIntervalMs) {
    issues.push({
      path: "spec.analysis.interval",
      message: `${interval} is below the minimum of ${ctx.minIntervalMs / 1000}s; raise it`,
    });
  } else if (intervalMs > specBounds.intervalMs) {
    issues.push({
      path: "spec.analysis.interval",
      message: `${interval} is longer than the maximum of 24h; lower it`,
    });
  }
  checkListSizes(analysis, issues);

  const iterations = analysis.iterations ?? 0;
  const strategy: Strategy =
    iterations > 0
      ? analysis.match?.length
        ? "abTesting"
        : "blueGreen"
      : "canary";
  const weights = strategy === "canary" ? canaryWeights(analysis, issues) : [];
  if (analysis.match?.length && iterations === 0) {
    issues.push({
      path: "spec.analysis.match",
      message: "A/B testing needs analysis.iterations; add it or remove match",
    });
  }

  const metrics = (analysis.metrics ?? []).map((m, i) =>
    resolveMetric(
      m,
      `spec.analysis.metrics[${i}]`,
      analysis.minRequests ?? defaultMinRequests,
      ctx,
      issues,
    ),
  );
  if (ctx.noCrossNamespaceRefs) {
    const refs = [
      ...(analysis.metrics ?? []).map((m, i) => ({
        path: `spec.analysis.metrics[${i}].templateRef.namespace`,
        namespace: m.templateRef?.namespace,
      })),
      ...(analysis.alerts ?? []).map((a, i) => ({
        path: `spec.analysis.alerts[${i}].providerRef.namespace`,
        namespace: a.providerRef.namespace,
      })),
    ];
    for (const ref of refs)
      if (ref.namespace && ref.namespace !== ctx.namespace)
        issues.push({
          path: ref.path,
          message: `refers to namespace ${ref.namespace}, but the operator runs with --no-cross-namespace-refs; create the object in ${ctx.namespace} and remove the namespace field`,
        });
  }
  const webhooks = analysis.webhooks ?? [];
  webhooks.forEach((hook, i) => {
    const timeoutMs =
      hook.timeout === undefined ? 0 : parseDuration(hook.timeout);
    if (timeoutMs === undefined)
      issues.push({
        path: `spec.analysis.webhooks[${i}].timeout`,
        message: `"${hook.timeout}" is not a duration`,
      });
    else if (timeoutMs > specBounds.hookTimeoutMs)
      issues.push({
        path: `spec.analysis.webhooks[${i}].timeout`,
        message: `${hook.timeout} is longer than the 1h a webhook may take; lower it`,
      });
    if (hook.url.length > specBounds.urlLength)
      issues.push({
        path: `spec.analysis.webhooks[${i}].url`,
        message: `is longer than ${specBounds.urlLength} characters`,
      });
  });

  const bake = resolveBake(analysis, metrics, intervalMs, issues);
  const grpc =
    spec.service.appProtocol === "grpc" || spec.service.portName === "grpc";
  checkGatewayApi(spec, routers, grpc, issues);

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    spec: {
      provider,
      routers,
      grpc,
      metricsServer: spec.metricsServer ?? ctx.defaultMetricsServer,
      targetName: spec.targetRef.name,
      apexName: spec.service.name ?? spec.targetRef.name,
      port: spec.service.port,
      portName: spec.service.portName ?? "http",
      targetPort: spec.service.targetPort ?? spec.service.port,
      strategy,
      intervalMs,
      threshold: analysis.threshold || 1,
      maxInconclusive: analysis.maxInconclusive ?? defaultMaxInconclusive,
      onFailure: analysis.onFailure ?? "rollback",
      ...(bake ? { bake } : {}),
      weights,
      iterations,
      stepWeightPromotion: analysis.stepWeightPromotion ?? 0,
      primaryReadyThreshold: analysis.primaryReadyThreshold ?? 100,
      canaryReadyThreshold: analysis.canaryReadyThreshold ?? 100,
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? 600,
      metrics,
      webhooks,
      match: (analysis.match ?? []).map((m) => m.headers ?? {}),
      skipAnalysis: spec.skipAnalysis ?? false,
      suspend: spec.suspend ?? false,
      revertOnDeletion: spec.revertOnDeletion ?? false,
    },
  };
}

/**
 * The weights a weighted run steps through. As in Flagger, stepWeights are used as given (maxWeight is
 * not a cap then); stepWeight steps up to maxWeight (default 100). Every schedule has at least one
 * weight above 0, so a run is always judged with traffic on the canary before it is promoted.
 */
function canaryWeights(
  analysis: CanarySpec["analysis"],
  issues: Issue[],
): number[] {
  const { stepWeight: step, stepWeights: steps, maxWeight } = analysis;
  if (maxWeight !== undefined && (maxWeight < 0 || maxWeight > 100))
    issues.push({
      path: "spec.analysis.maxWeight",
      message: `maxWeight ${maxWeight} is not a percentage; set 1-100 (default 100)`,
    });
  if (steps && steps.length > 0) {
    const bad = steps.findIndex(
      (w, i) =>
        !Number.isInteger(w) ||
        w < 1 ||
        w > 100 ||
        (i > 0 && w <= (steps[i - 1] ?? 0)),
    );
    if (bad >= 0)
      issues.push({
        path: `spec.analysis.stepWeights[${bad}]`,
        message: `weights must be whole percentages from 1 to 100, each above the one before (got ${JSON.stringify(steps)})`,
      });
    return steps;
  }
  if (step === undefined || step <= 0 || step > 100) {
    issues.push({
      path: "spec.analysis.stepWeight",
      message:
        step === undefined || step <= 0
          ? "must be above 0 for a weighted canary (or set stepWeights, or iterations for blue/green)"
          : `stepWeight ${step} is not a percentage; set 1-100`,
    });
    return [];
  }
  const max = maxWeight ?? 100;
  if (max === 0) {
    issues.push({
      path: "spec.analysis.maxWeight",
      message:
        "maxWeight 0 sends no traffic to the canary, so no step could be judged; remove it (default 100) or set 1-100",
    });
    return [];
  }
  if (step > max) {
    issues.push({
      path: "spec.analysis.stepWeight",
      message: `stepWeight ${step} is above maxWeight ${max}; lower stepWeight or raise maxWeight`,
    });
    return [];
  }
  const weights: number[] = [];
  for (let w = step; w < max; w += step) weights.push(w);
  weights.push(max);
  return weights;
}

export const defaultMinRequests = 10;
export const defaultMaxInconclusive = 3;

/** List sizes the CRD schema bounds, checked again for objects stored before it did. */
function checkListSizes(analysis: CanarySpec["analysis"], issues: Issue[]) {
  const lists = [
    ["metrics", analysis.metrics?.length ?? 0, specBounds.metrics],
    ["webhooks", analysis.webhooks?.length ?? 0, specBounds.webhooks],
    ["alerts", analysis.alerts?.length ?? 0, specBounds.alerts],
  ] as const;
  for (const [field, n, max] of lists)
    if (n > max)
      issues.push({
        path: `spec.analysis.${field}`,
        message: `has ${n} entries; at most ${max} are allowed`,
      });
  (analysis.metrics ?? []).forEach((m, i) => {
    if ((m.query?.length ?? 0) > specBounds.queryLength)
      issues.push({
        path: `spec.analysis.metrics[${i}].query`,
        message: `is longer than ${specBounds.queryLength} characters`,
      });
  });
}
