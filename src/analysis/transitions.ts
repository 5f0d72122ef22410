// Transitions shared by several phases: a new revision starting (or restarting) a run.
import { startPromotion } from "./promotion.ts";
import { event, readinessPollMs, ref, startRevision } from "./status.ts";
import type { Decision, DecideInput } from "./types.ts";

/**
 * A new revision of the target starts a run from weight 0; `replacing` says it cut short a run in
 * progress. With skipAnalysis it is promoted at once instead.
 */
export function startRun(input: DecideInput, replacing: boolean): Decision {
  if (input.spec.skipAnalysis) return skipToPromotion(input);
  const message = replacing
    ? `New revision detected during analysis, restarting ${ref(input)} from weight 0`
    : `New revision detected! Scaling up ${input.spec.targetName}.${input.canary.namespace}`;
  return {
    status: startRevision(input, message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "up" },
      event(message),
      {
        type: "notify",
        kind: replacing ? "restart" : "newRevision",
        severity: "info",
        message,
      },
    ],
    requeueAfterMs: readinessPollMs,
  };
}

/** skipAnalysis: record the revision and promote it without steps or checks, saying so. */
export function skipToPromotion(input: DecideInput): Decision {
  const message = `Analysis skipped: promoting ${ref(input)} without checks`;
  return startPromotion(input, startRevision(input, message), [
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    event(message),
    { type: "notify", kind: "skipped", severity: "info", message },
  ]);
}
