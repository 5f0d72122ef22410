// Webhooks in the decision core: which hook types a reconcile must call (wantedHooks), and how their
// results read as gates and checks. The calls themselves happen in the reconciler; results come back
// as observations, like metric verdicts, so every gate transition stays a pure table test.
import type { CanaryWebhook } from "../api/canary.ts";
import type { WebhookType } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import {
  atPromotionPoint,
  isFirstStep,
  msUntilGateDue,
  nextWeight,
  stepChecksMetrics,
  stepDue,
} from "./schedule.ts";
import type { DecideInput, HookResult } from "./types.ts";

const idlePhases = new Set(["Initialized", "Succeeded", "Failed", "Waiting"]);

export function hookType(hook: CanaryWebhook): WebhookType {
  return hook.type || "rollout";
}

export function hooksOfType(
  spec: ResolvedSpec,
  type: WebhookType,
): CanaryWebhook[] {
  return spec.webhooks.filter((h) => hookType(h) === type);
}

/** Hook types this reconcile must call, in Flagger's order; only types the Canary has hooks for. */
export function wantedHooks(input: DecideInput): WebhookType[] {
  const { status, observations, spec } = input;
  const wanted: WebhookType[] = [];
  if (input.deleting || spec.suspend || status.pausedBy || input.request)
    return wanted;
  if (
    idlePhases.has(status.phase ?? "") &&
    observations.targetRevision !== status.lastAppliedSpec
  ) {
    if (msUntilGateDue(input) === 0) wanted.push("confirm-rollout");
  } else if (stepDue(input)) {
    wanted.push("rollback");
    if (isFirstStep(input)) wanted.push("pre-rollout");
    if (stepChecksMetrics(input)) wanted.push("rollout");
    if (spec.strategy === "canary" && nextWeight(input) !== undefined)
      wanted.push("confirm-traffic-increase");
    if (atPromotionPoint(input)) wanted.push("confirm-promotion");
  }
  return wanted.filter((type) => hooksOfType(spec, type).length > 0);
}

/**
 * The results for one hook type; a configured hook without a result (not called) counts as failed,
 * so a gate is never opened by accident.
 */
export function hookResults(
  input: DecideInput,
  type: WebhookType,
): HookResult[] {
  const results = input.observations.hooks ?? [];
  return hooksOfType(input.spec, type).map(
    (hook) =>
      results.find((r) => r.type === type && r.name === hook.name) ?? {
        name: hook.name,
        type,
        ok: false,
        message: "not called",
      },
  );
}

export function failedHooks(
  input: DecideInput,
  type: WebhookType,
): HookResult[] {
  return hookResults(input, type).filter((r) => !r.ok);
}

export function describeHook(result: HookResult): string {
  return `webhook ${result.name} (${result.type}) ${result.ok ? "passed" : `failed: ${result.message}`}`;
}

/** A gate's closed hooks, and whether every one of them asked not to alert. */
export function closedGate(
  input: DecideInput,
  type: WebhookType,
): { reason: string; muted: boolean } | undefined {
  const failed = failedHooks(input, type);
  if (failed.length === 0) return undefined;
  const muted = failed.every(
    (r) =>
      hooksOfType(input.spec, type).find((h) => h.name === r.name)?.muteAlert,
  );
  return { reason: failed.map(describeHook).join("; "), muted };
}
