// The step schedule, in one place: when an analysis step is due, which weight comes next, where the
// promotion starts, and how a step's time is counted. The decision core (progress), the gatherer (which
// hooks and checks a reconcile must collect) and the test fixtures all ask these functions, so a step's
// checks are gathered exactly when the core will judge them.
import type { CanaryStatus } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { DecideInput } from "./types.ts";

const analysingPhases = new Set(["Progressing", "WaitingPromotion"]);

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

/** The next canary weight of a weighted run, or undefined at the last step. */
export function nextWeight(input: DecideInput): number | undefined {
  const weight = input.status.canaryWeight ?? 0;
  return input.spec.weights.find((w) => w > weight);
}

/** Whether a step at this point judges metrics: a weighted canary at weight 0 has no traffic yet. */
export function stepChecksMetrics(input: DecideInput): boolean {
  return (
    input.spec.strategy !== "canary" || (input.status.canaryWeight ?? 0) > 0
  );
}

/** No traffic has been shifted and no iteration counted yet: pre-rollout hooks run (again) now. */
export function isFirstStep(input: DecideInput): boolean {
  return (
    (input.status.canaryWeight ?? 0) === 0 &&
    (input.status.iterations ?? 0) === 0
  );
}

/**
 * A passing step here would start the promotion (or, for blue/green, the switch to the canary). A
 * weighted run reaches it only at a weight above 0: the step being judged had traffic on the canary.
 */
export function atPromotionPoint(input: DecideInput): boolean {
  const { spec, status } = input;
  if (spec.strategy === "canary")
    return nextWeight(input) === undefined && (status.canaryWeight ?? 0) > 0;
  const done = (status.iterations ?? 0) + 1 > spec.iterations;
  return spec.strategy === "blueGreen"
    ? done && (status.canaryWeight ?? 0) < 100
    : done;
}

/**
 * Where a run in progress stands against its schedule:
 *   notAnalysing      not Progressing/WaitingPromotion, or frozen (suspend, pause, deletion, a request)
 *   newRevision       the target changed: the run restarts
 *   skip              skipAnalysis: promoted without steps
 *   notReady          the primary or the canary Deployment is not ready
 *   waiting           the next step is not due yet
 *   trafficNotInPlace due, but the router does not split traffic at the step's weight
 *   due               an analysis step is due now: its hooks and checks are gathered and judged
 */
export type StepState =
  | "notAnalysing"
  | "newRevision"
  | "skip"
  | "notReady"
  | "waiting"
  | "trafficNotInPlace"
  | "due";

export function stepState(input: DecideInput): StepState {
  const { status, observations, spec } = input;
  if (
    !analysingPhases.has(status.phase ?? "") ||
    spec.suspend ||
    status.pausedBy ||
    input.deleting ||
    input.request
  )
    return "notAnalysing";
  if (observations.targetRevision !== status.lastAppliedSpec)
    return "newRevision";
  // A held run (onFailure: hold) takes no step until someone answers.
  if (status.held) return "notAnalysing";
  if (spec.skipAnalysis) return "skip";
  if (!observations.canary.ready || !observations.primary.ready)
    return "notReady";
  if (msUntilDue(spec, status, input.now) > 0) return "waiting";
  const routed = observations.routedCanaryWeight;
  if (
    spec.strategy === "canary" &&
    routed !== undefined &&
    routed !== (status.canaryWeight ?? 0)
  )
    return "trafficNotInPlace";
  return "due";
}

/** The analysis step of a run in progress is due now, with its traffic in place. */
export const stepDue = (input: DecideInput): boolean =>
  stepState(input) === "due";

/**
 * While Waiting, the confirm-rollout gate is asked once per interval, not on every event that wakes the
 * Canary; from any other phase it is asked at once. Milliseconds until it is due (0 = now).
 */
export function msUntilGateDue(input: DecideInput): number {
  return input.status.phase === "Waiting"
    ? msUntilDue(input.spec, input.status, input.now)
    : 0;
}
