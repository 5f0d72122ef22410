// analysis.rollbackWindow: the release a promotion replaced keeps pods running (<target>-previous, at a
// quarter of the primary's replicas) until the window ends, so a bake revert or an undo moves traffic to
// them through the router in seconds and back to the primary once its rollout of the old template is
// ready. One rule here decides when the pods run, at which scale, and when they are scaled away; it
// reads status and observations only, so a restarted operator picks up where the last one stopped.
import type { CanaryStatus, Phase } from "../api/canary.ts";
import { event, readinessPollMs, withPhase } from "./status.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

/** Phases in which an open window keeps the previous release's pods warm. */
const warmPhases: readonly (Phase | undefined)[] = [
  "Promoting",
  "Finalising",
  "Succeeded",
];

const restoring = (status: CanaryStatus) => status.reverted?.restoring === true;

/** The window recorded at the promotion start, when analysis.rollbackWindow is set. */
export function warmUntil(
  input: DecideInput,
): Pick<NonNullable<CanaryStatus["previous"]>, "warmUntil"> {
  const ms = input.spec.bake?.rollbackWindowMs;
  return ms
    ? { warmUntil: new Date(input.now.getTime() + ms).toISOString() }
    : {};
}

/** The previous release's pods run that release and at least one of them is available: a revert can use them. */
export function previousPodsReady(input: DecideInput): boolean {
  const { status, observations, now } = input;
  const until = status.previous?.warmUntil;
  const pods = observations.previousPods;
  return (
    until !== undefined &&
    now.getTime() < Date.parse(until) &&
    pods !== undefined &&
    pods.revision === status.previous?.revision &&
    pods.available >= 1
  );
}

/**
 * Reverted with warm pods: traffic stays on them (the apex and -canary select them, the router sends
 * the canary's side everything) until the primary runs the previous release again and is ready. Then
 * the routes go back to the primary; the Services follow on the next reconcile, once no request is
 * routed through -canary any more, and the pods are scaled away with it.
 */
export function restoringStep(input: DecideInput): Decision {
  const { status, observations, spec } = input;
  const reverted = status.reverted!;
  const back =
    observations.primary.ready && observations.primary.revision === reverted.to;
  if (!back)
    return {
      status: {
        ...status,
        message: `Reverting ${spec.targetName}: traffic is on the previous release's warm pods (${spec.targetName}-previous) until ${spec.targetName}-primary is ready (${observations.primary.message ?? "rolling out"})`,
      },
      actions: [
        { type: "ensureServices", servingPrevious: true },
        { type: "setRoutes", primaryWeight: 0, canaryWeight: 100 },
      ],
      requeueAfterMs: readinessPollMs,
    };
  // false, not absent: the status write is a merge patch, which keeps a nested field left out.
  const rest = { ...reverted, restoring: false };
  const message = `${spec.targetName}-primary runs the previous release (revision ${reverted.to}) and is ready: traffic is back on it`;
  return {
    status: withPhase(
      input,
      { ...status, reverted: rest, canaryWeight: 0 },
      "Failed",
      message,
    ),
    actions: [
      { type: "ensureServices", servingPrevious: true },
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      event(message),
    ],
    requeueAfterMs: readinessPollMs,
  };
}

/**
 * Adds what the previous release's pods need to a decision: kept warm while the window is open in a
 * promotion or after it, at full scale while they serve a revert (and in the reconcile that moves the
 * traffic back), scaled to zero once, when the window ends or the revert no longer needs them.
 */
export function withPreviousPods(
  input: DecideInput,
  decision: Decision,
): Decision {
  if (input.deleting || input.spec.suspend || input.status.pausedBy)
    return decision;
  const previous = decision.status.previous;
  const serving = restoring(decision.status) || restoring(input.status);
  const until = previous?.warmUntil ? Date.parse(previous.warmUntil) : NaN;
  const waiting =
    input.now.getTime() < until && warmPhases.includes(decision.status.phase);
  if (previous?.warmUntil && (serving || waiting)) {
    const warm: Action = {
      type: "warmPrevious",
      template: previous.template,
      revision: previous.revision,
      scale: serving ? "full" : "reduced",
      ...(previous.configs?.length ? { configs: previous.configs } : {}),
    };
    const untilEnd = Math.max(1, until - input.now.getTime());
    return {
      ...decision,
      actions: [warm, ...decision.actions],
      requeueAfterMs: serving
        ? decision.requeueAfterMs
        : Math.min(decision.requeueAfterMs ?? untilEnd, untilEnd),
    };
  }
  if (!previous?.warmUntil && !input.status.previous?.warmUntil)
    return decision;
  const status = { ...decision.status };
  if (status.previous) {
    // After a revert the record is used up; otherwise it stays, for a revert without warm pods.
    if (status.reverted) delete status.previous;
    else {
      const kept = { ...status.previous };
      delete kept.warmUntil;
      status.previous = kept;
    }
  }
  return {
    ...decision,
    status,
    actions: [{ type: "coolPrevious" }, ...decision.actions],
  };
}
