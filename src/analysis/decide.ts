// The canary state machine as one pure function: (spec, status, observations, now) -> (next status,
// ordered actions). No I/O and no clock of its own, so every transition is a table test.
import { closedGate } from "./hooks.ts";
import { msUntilGateDue, stepChecksMetrics, stepDue } from "./schedule.ts";
import { progress } from "./progress.ts";
import { finalise, promoting } from "./promotion.ts";
import { event, readinessPollMs, ref, withPhase } from "./status.ts";
import { answerRequest } from "./answer-request.ts";
import { startRun } from "./transitions.ts";
import { afterFailedPromotion, holding } from "./failure-policy.ts";
import {
  backAtRunningRelease,
  bakePlan,
  bakeStep,
  baking,
  type CheckPlan,
} from "./bake.ts";
import { restoringStep, withPreviousPods } from "./previous-pods.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

export { readinessPollMs };

export function decide(input: DecideInput): Decision {
  return withGatewayWeights(input, withPreviousPods(input, decideOnly(input)));
}

/** status.gateways: what each gateway carries, as observed; a retired router until it carries nothing. */
function withGatewayWeights(input: DecideInput, decision: Decision): Decision {
  const observed = input.observations.gatewayWeights;
  if (!observed) {
    if (!decision.status.gateways) return decision;
    const status = { ...decision.status };
    delete status.gateways;
    return { ...decision, status };
  }
  const gateways = observed
    .filter(
      (g) =>
        (input.spec.routers as readonly string[]).includes(g.router) ||
        (g.canaryWeight ?? 0) !== 0,
    )
    .map((g) => ({
      router: g.router,
      ...(g.canaryWeight !== undefined ? { canaryWeight: g.canaryWeight } : {}),
    }));
  return { ...decision, status: { ...decision.status, gateways } };
}

function decideOnly(input: DecideInput): Decision {
  const phase = input.status.phase;
  if (input.deleting) return terminate(input);
  if (input.request) return answerRequest(input, input.request);
  if (
    (input.spec.suspend || input.status.pausedBy) &&
    phase !== undefined &&
    phase !== "Initializing"
  )
    return suspended(input);
  if (
    input.status.held &&
    (phase === "Progressing" || phase === "WaitingPromotion") &&
    input.observations.targetRevision === input.status.lastAppliedSpec
  )
    return holding(input);
  if (!phase || phase === "Initializing") return initialize(input);
  switch (phase) {
    case "Progressing":
    case "WaitingPromotion":
      return progress(input);
    case "Promoting":
      return promoting(input);
    case "Finalising":
      return finalise(input);
    case "Initialized":
    case "Succeeded":
    case "Failed":
    case "Waiting":
    case "Terminating":
    case "Terminated":
      return idle(input);
  }
}

/** True when this reconcile is due to judge metrics: an analysis step, or a bake check. */
export function wantsChecks(input: DecideInput): boolean {
  return checkPlan(input) !== undefined;
}

/** Which metrics this reconcile judges and on which side, when it judges any. */
export function checkPlan(input: DecideInput): CheckPlan | undefined {
  if (
    stepDue(input) &&
    stepChecksMetrics(input) &&
    input.spec.metrics.length > 0
  )
    return { subject: "canary", metrics: input.spec.metrics };
  return bakePlan(input);
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

/** Initialized, Succeeded, Failed or Waiting: wait for a new revision of the target (and its gate). */
function idle(input: DecideInput): Decision {
  const { observations, status } = input;
  if (status.reverted?.restoring) return restoringStep(input);
  if (
    status.reverted &&
    observations.targetRevision === status.lastPromotedSpec &&
    observations.targetRevision !== status.lastAppliedSpec
  )
    return backAtRunningRelease(input);
  if (baking(input)) return bakeStep(input);
  if (observations.targetRevision !== status.lastAppliedSpec) {
    const wait = msUntilGateDue(input);
    if (wait > 0) {
      return {
        status,
        actions: [{ type: "setRoutes", primaryWeight: 100, canaryWeight: 0 }],
        requeueAfterMs: wait,
      };
    }
    const gate = closedGate(input, "confirm-rollout");
    if (!gate) return startRun(input, false);
    return waitForRollout(input, gate);
  }
  if (status.phase === "Failed" && status.promotionFailed)
    return afterFailedPromotion(input);
  if (status.phase === "Waiting") {
    // The target went back to the revision already applied: nothing is waiting any more.
    const back =
      status.lastAppliedSpec === status.lastPromotedSpec
        ? "Succeeded"
        : "Failed";
    return {
      status: withPhase(
        input,
        status,
        back,
        `${input.spec.targetName} is back at the applied revision; nothing to roll out`,
      ),
      actions: [{ type: "setRoutes", primaryWeight: 100, canaryWeight: 0 }],
      requeueAfterMs: input.spec.intervalMs,
    };
  }
  // Re-assert the steady state: corrects drift of the Services, of the router objects and of the
  // upstreamRef settings copied into them (writing only what differs from the cache). When those are
  // watched, their drift wakes the Canary and an idle fleet has no timers at all; otherwise (Gloo CRDs
  // installed after the operator started) it is re-asserted every interval.
  const services: Action[] =
    status.phase === "Terminating" || status.phase === "Terminated"
      ? []
      : [{ type: "ensureServices" }];
  return {
    status,
    actions: [
      ...services,
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    ],
    ...(observations.routerWatched
      ? {}
      : { requeueAfterMs: input.spec.intervalMs }),
  };
}

/** confirm-rollout said no: phase Waiting, nothing scaled or routed; asked again every interval. */
function waitForRollout(
  input: DecideInput,
  gate: { reason: string; muted: boolean },
): Decision {
  const message = `Waiting for approval to start the rollout of ${ref(input)}: ${gate.reason}`;
  const entering = input.status.phase !== "Waiting";
  const actions: Action[] = [
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
  ];
  if (entering) actions.push(event(message));
  if (entering && !gate.muted)
    actions.push({
      type: "notify",
      kind: "waiting",
      severity: "warn",
      message,
    });
  return {
    status: withPhase(
      input,
      {
        ...input.status,
        lastStepTime: (input.stepStartedAt ?? input.now).toISOString(),
      },
      "Waiting",
      message,
    ),
    actions,
    requeueAfterMs: input.spec.intervalMs,
  };
}

/**
 * suspend: true, or a pause request, freezes the run where it is; nothing is written to the workloads or
 * the router. A pause lives in the status, so a GitOps sync that restores the spec does not lift it.
 */
function suspended(input: DecideInput): Decision {
  const message = input.status.pausedBy
    ? `Canary ${ref(input)} is paused by ${input.status.pausedBy}; resume with kubectl siskin resume`
    : `Canary ${ref(input)} is suspended; set spec.suspend to false to continue`;
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
