// Transitions shared by several phases: a new revision (re)starting a run, and going to promotion.
import type { CanaryStatus } from "../api/canary.ts";
import { startPromotion } from "./promotion.ts";
import {
  event,
  readinessPollMs,
  ref,
  startRevision,
  withPhase,
} from "./status.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

export function startNewRevision(input: DecideInput): Decision {
  if (input.spec.skipAnalysis) return promotionFor(input, "Analysis skipped");
  const message = `New revision detected! Scaling up ${input.spec.targetName}.${input.canary.namespace}`;
  return {
    status: startRevision(input, message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "up" },
      event(message),
      { type: "notify", kind: "newRevision", severity: "info", message },
    ],
    requeueAfterMs: readinessPollMs,
  };
}

export function restartOnNewRevision(input: DecideInput): Decision {
  if (input.spec.skipAnalysis) return promotionFor(input, "Analysis skipped");
  const message = `New revision detected during analysis, restarting ${ref(input)} from weight 0`;
  return {
    status: startRevision(input, message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "up" },
      event(message),
      { type: "notify", kind: "restart", severity: "info", message },
    ],
    requeueAfterMs: readinessPollMs,
  };
}

/**
 * Promote now. With a reason (skipAnalysis) the revision is recorded and people are told the analysis
 * was skipped; otherwise the run's status (with its last step) is promoted as is.
 */
export function promotionFor(
  input: DecideInput,
  skippedReason?: string,
  stepped?: CanaryStatus,
  extra: Action[] = [],
): Decision {
  if (skippedReason === undefined)
    return startPromotion(input, stepped ?? input.status, extra);
  const message = `${skippedReason}: promoting ${ref(input)} without checks`;
  const status = withPhase(
    input,
    {
      ...input.status,
      canaryWeight: 0,
      failedChecks: 0,
      iterations: 0,
      lastAppliedSpec: input.observations.targetRevision,
      trackedConfigs: input.observations.trackedConfigs,
      canaryRevisionStart: input.now.toISOString(),
      lastStepTime: input.now.toISOString(),
    },
    "Progressing",
  );
  return startPromotion(input, status, [
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    event(message),
    { type: "notify", kind: "skipped", severity: "info", message },
  ]);
}
