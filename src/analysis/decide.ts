// The canary state machine as one pure function: (spec, status, observations, now) -> (next status,
// ordered actions). No I/O and no clock of its own, so every transition is a table test.
import { progress, stepChecksMetrics } from "./progress.ts";
import { finalise, promoting } from "./promotion.ts";
import {
  event,
  msUntilDue,
  readinessPollMs,
  ref,
  withPhase,
} from "./status.ts";
import { startRun } from "./transitions.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

export { readinessPollMs };

export function decide(input: DecideInput): Decision {
  const phase = input.status.phase;
  if (input.deleting) return terminate(input);
  if (input.spec.suspend && phase !== undefined && phase !== "Initializing")
    return suspended(input);
  if (!phase || phase === "Initializing") return initialize(input);
  switch (phase) {
    case "Progressing":
      return progress(input);
    case "Promoting":
      return promoting(input);
    case "Finalising":
      return finalise(input);
    default:
      return idle(input);
  }
}

/** True when this reconcile is due to take an analysis step that needs metric verdicts. */
export function wantsChecks(input: DecideInput): boolean {
  const { status, observations, spec } = input;
  return (
    status.phase === "Progressing" &&
    !spec.suspend &&
    !spec.skipAnalysis &&
    !input.deleting &&
    observations.targetRevision === status.lastAppliedSpec &&
    observations.canary.ready &&
    observations.primary.ready &&
    msUntilDue(spec, status, input.now) === 0 &&
    stepChecksMetrics(input) &&
    spec.metrics.length > 0
  );
}

function initialize(input: DecideInput): Decision {
  const { observations } = input;
  const actions: Action[] = [{ type: "ensurePrimary" }];
  if (!observations.primary.exists || !observations.primary.ready) {
    const status = withPhase(
      input,
      { ...input.status, canaryWeight: 0, failedChecks: 0 },
      "Initializing",
    );
    const message =
      observations.primary.message ??
      "waiting for the primary Deployment to be ready";
    return {
      status: { ...status, message },
      actions,
      requeueAfterMs: readinessPollMs,
    };
  }
  const message = `Initialization done! ${ref(input)}`;
  actions.push(
    { type: "scaleTarget", to: "zero" },
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    event(message),
    { type: "notify", kind: "initialized", severity: "info", message },
  );
  const status = withPhase(
    input,
    {
      ...input.status,
      canaryWeight: 0,
      failedChecks: 0,
      iterations: 0,
      lastAppliedSpec: observations.targetRevision,
      lastPromotedSpec: observations.targetRevision,
      trackedConfigs: observations.trackedConfigs,
    },
    "Initialized",
    "Initialization done",
  );
  return { status, actions, requeueAfterMs: input.spec.intervalMs };
}

/** Initialized, Succeeded or Failed: wait for a new revision of the target. */
function idle(input: DecideInput): Decision {
  const { observations, status } = input;
  if (observations.targetRevision !== status.lastAppliedSpec)
    return startRun(input, false);
  // Re-assert the steady state every interval: corrects drift of the router objects and of the
  // upstreamRef settings copied into them.
  return {
    status,
    actions: [{ type: "setRoutes", primaryWeight: 100, canaryWeight: 0 }],
    requeueAfterMs: input.spec.intervalMs,
  };
}

/** suspend: true freezes the run where it is; nothing is written to the workloads or the router. */
function suspended(input: DecideInput): Decision {
  const message = `Canary ${ref(input)} is suspended; set spec.suspend to false to continue`;
  return { status: { ...input.status, message }, actions: [] };
}

/** The Canary is being deleted and carries Siskin's finalizer (revertOnDeletion). */
function terminate(input: DecideInput): Decision {
  const message = `Canary ${ref(input)} deleted: ${input.spec.targetName} scaled back up and the apex Service pointed at it`;
  return {
    status: withPhase(
      input,
      { ...input.status, canaryWeight: 0 },
      "Terminating",
      message,
    ),
    actions: [
      { type: "revert" },
      event(message),
      { type: "notify", kind: "terminated", severity: "info", message },
    ],
  };
}
