// Status helpers shared by the phase functions: the phase/condition bookkeeping and step timing.
import { openRun } from "./history.ts";
import type { CanaryStatus, Phase } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { eventReasons, promotedCondition } from "./reasons.ts";
import type { Action, DecideInput } from "./types.ts";

/** How soon to look again while waiting for a rollout to become ready. */
export const readinessPollMs = 2000;

export function ref(input: DecideInput): string {
  return `${input.canary.name}.${input.canary.namespace}`;
}

/** Milliseconds until the next analysis step is due (0 when due now). */
export function msUntilDue(
  spec: ResolvedSpec,
  status: CanaryStatus,
  now: Date,
): number {
  if (!status.lastStepTime) return 0;
  return Math.max(
    0,
    Date.parse(status.lastStepTime) + spec.intervalMs - now.getTime(),
  );
}

/**
 * The time a step counts as taken: when it fell due, if it started within an interval of that, else
 * when it started. A fleet's steps that fall due together wait for workers and metric queries one
 * behind another; counting each from its own start would add that wait to every later step (drift
 * that grows with the fleet), counting from the due time keeps each Canary's cadence, as a ticker
 * would. A step that started an interval or more late (an outage, a gate held open) restarts the
 * cadence instead of catching up with steps in quick succession.
 */
export function stepTime(
  spec: ResolvedSpec,
  status: CanaryStatus,
  startedAt: Date,
): Date {
  if (!status.lastStepTime) return startedAt;
  const due = Date.parse(status.lastStepTime) + spec.intervalMs;
  const late = startedAt.getTime() - due;
  return late >= 0 && late < spec.intervalMs ? new Date(due) : startedAt;
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
      ...input.status,
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
