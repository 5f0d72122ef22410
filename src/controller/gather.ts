// The observations an analysis step gathers from outside the cluster: webhook answers and metric
// verdicts. They are gathered beside the reconcile workers (StepObservations) and bounded per webhook
// host and per metrics provider, shared fairly between Canaries (FairSlots).
import type { Canary, WebhookType } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { DecideInput, HookResult } from "../analysis/types.ts";
import type { CheckPlan } from "../analysis/bake.ts";
import { runChecks } from "../metrics/checks.ts";
import { callWebhook } from "../webhooks/call.ts";
import { hookType } from "../analysis/hooks.ts";
import type { GatherDeps } from "./deps.ts";
import { templateLookups } from "./lookups.ts";
import type { StepResults } from "./step-observations.ts";

export const metricTimeoutMs = 10_000;

/** Identifies the step the results belong to: results for another step are never used. */
export function stepIdentity(
  input: DecideInput,
  hooks: readonly WebhookType[],
  checks: CheckPlan["subject"] | false,
): string {
  const s = input.status;
  return [
    s.phase,
    s.lastAppliedSpec,
    s.lastStepTime,
    s.canaryWeight,
    s.iterations,
    s.failedChecks,
    input.observations.targetRevision,
    hooks.join(","),
    checks,
  ].join("|");
}

const origin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

/** Calls the hooks of `types` in the Canary's order, then runs the checks if asked. */
export async function gatherStep(
  deps: GatherDeps,
  canary: Canary,
  spec: ResolvedSpec,
  input: DecideInput,
  types: readonly WebhookType[],
  plan: CheckPlan | undefined,
): Promise<Omit<StepResults, "startedAt">> {
  const { name, namespace } = canary.metadata;
  const owner = `${namespace}/${name}`;
  const payload = {
    name,
    namespace,
    phase: input.status.phase ?? "Initializing",
    checksum: input.observations.targetRevision,
  };
  const hooks: HookResult[] = [];
  for (const hook of spec.webhooks) {
    if (!types.includes(hookType(hook))) continue;
    hooks.push(
      await deps.outbound.run(`hook ${origin(hook.url)}`, owner, () =>
        callWebhook(hook, payload, deps.clock),
      ),
    );
  }
  if (!plan) return { hooks };
  const results = await runChecks({
    name,
    namespace,
    spec: { ...spec, metrics: plan.metrics },
    subject: plan.subject,
    prometheus: deps.prometheusFor(spec.metricsServer),
    timeoutMs: metricTimeoutMs,
    bounded: (provider, work) =>
      deps.outbound.run(`metrics ${provider}`, owner, work),
    gatewayApiMetrics: deps.config.gatewayApiMetrics,
    ...templateLookups(deps.caches),
  });
  for (const c of results)
    deps.recorder.setCheck(
      { canary: { name, namespace }, target: spec.targetName },
      {
        metric: c.metric,
        verdict: c.verdict,
        ...(c.value !== undefined ? { value: c.value } : {}),
        ...(builtinInMs(spec, c.metric) ? { unit: "ms" as const } : {}),
        ...thresholdOf(spec, c.metric),
      },
    );
  return { hooks, checks: results };
}

/** The built-in request-duration reads milliseconds (its thresholds are in ms, as Flagger's). */
function builtinInMs(spec: ResolvedSpec, metric: string): boolean {
  const m = spec.metrics.find((x) => x.name === metric);
  return (
    metric === "request-duration" &&
    m !== undefined &&
    !m.templateRef &&
    !m.query
  );
}

/** A metric's thresholdRange bounds, for siskin_canary_check_threshold. */
function thresholdOf(
  spec: ResolvedSpec,
  metric: string,
): { min?: number; max?: number } {
  const m = spec.metrics.find((x) => x.name === metric);
  return {
    ...(m?.min !== undefined ? { min: m.min } : {}),
    ...(m?.max !== undefined ? { max: m.max } : {}),
  };
}
