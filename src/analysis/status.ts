// Status helpers shared by the phase functions: the phase/condition bookkeeping and step timing.
import { openRun } from "./history.ts";
import { withoutFailureMarks } from "./failure-marks.ts";
import type { CanaryStatus, Phase } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { eventReasons, promotedCondition } from "./reasons.ts";
import type { Action, DecideInput } from "./types.ts";

/** How soon to look again while waiting for a rollout to become ready. */
export const readinessPollMs = 2000;

export function ref(input: DecideInput): string {
  return `${input.canary.name}.${input.canary.namespace}`;
}

/** A status with a new phase; lastTransitionTime and the Promoted condition follow the phase. */
export function withPhase(
  input: DecideInput,
  status: CanaryStatus,
  phase: Phase,
  message?: string,
): CanaryStatus {
  const now = input.now.toISOString();
  const changed =
    input.status.phase !== phase ||
    input.status.canaryWeight !== status.canaryWeight;
  const promoted =
    phase === "Initialized" || phase === "Succeeded"
      ? "True"
      : phase === "Failed"
        ? "False"
        : "Unknown";
  const previous = input.status.conditions?.find(
    (c) => c.type === promotedCondition,
  );
  const condition = {
    type: promotedCondition,
    status: promoted,
    reason: phase,
    message: message ?? `Canary is ${phase.toLowerCase()}`,
    lastUpdateTime: now,
    lastTransitionTime:
      previous?.status === promoted
        ? (previous.lastTransitionTime ?? now)
        : now,
  } as const;
  return {
    ...status,
    phase,
    lastTransitionTime: changed
      ? now
      : (input.status.lastTransitionTime ?? now),
    conditions: [condition],
    ...(message !== undefined ? { message } : {}),
  };
}

/** A new revision starts: counters reset, the revision and its configs recorded. */
export function startRevision(
  input: DecideInput,
  message: string,
): CanaryStatus {
  const now = input.now.toISOString();
  return withPhase(
    input,
    {
      ...withoutFailureMarks(input.status),
      canaryWeight: 0,
      failedChecks: 0,
      inconclusiveChecks: 0,
      iterations: 0,
      lastAppliedSpec: input.observations.targetRevision,
      trackedConfigs: input.observations.trackedConfigs,
      canaryRevisionStart: now,
      lastStepTime: now,
      lastChecks: [],
      history: openRun(
        input.status,
        input.observations.targetRevision,
        input.now,
      ),
    },
    "Progressing",
    message,
  );
}

/** The routes that belong to a status: A/B routing while an A/B run progresses, else its weights. */
export function routesFor(
  spec: ResolvedSpec,
  status: CanaryStatus,
): Extract<Action, { type: "setRoutes" }> {
  if (
    spec.strategy === "abTesting" &&
    (status.phase === "Progressing" || status.phase === "WaitingPromotion")
  ) {
    return {
      type: "setRoutes",
      primaryWeight: 0,
      canaryWeight: 100,
      abTest: true,
    };
  }
  const weight = status.canaryWeight ?? 0;
  return {
    type: "setRoutes",
    primaryWeight: 100 - weight,
    canaryWeight: weight,
  };
}

export const event = (
  message: string,
  eventType: "Normal" | "Warning" = "Normal",
): Action => ({
  type: "event",
  eventType,
  reason: eventReasons.synced,
  message,
});
