// Promotion, finalisation and rollback: the end of a run.
import { withoutFailureMarks } from "./failure-marks.ts";
import { openBake } from "./bake.ts";
import { warmUntil } from "./previous-pods.ts";
import { closeRun } from "./history.ts";
import type { CanaryStatus } from "../api/canary.ts";
import { msUntilDue } from "./schedule.ts";
import { event, readinessPollMs, ref, routesFor, withPhase } from "./status.ts";
import { hooksOfType } from "./hooks.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

/** post-rollout hooks run once a run has ended, either way. */
function postRollout(input: DecideInput): Action[] {
  return hooksOfType(input.spec, "post-rollout").length > 0
    ? [{ type: "runHooks", hookType: "post-rollout" }]
    : [];
}

/** Copy the target to the primary and enter Promoting. */
export function startPromotion(
  input: DecideInput,
  status: CanaryStatus,
  extra: Decision["actions"] = [],
): Decision {
  const { spec, canary } = input;
  const message = `Copying ${spec.targetName}.${canary.namespace} template spec to ${spec.targetName}-primary.${canary.namespace}`;
  const previous = previousRelease(input);
  // A release recorded just now: its config copies are kept before the copy overwrites them.
  const configs =
    spec.bake && previous.previous !== status.previous
      ? (previous.previous?.configs ?? [])
      : [];
  const keep: Action[] =
    configs.length > 0 ? [{ type: "keepPreviousConfigs", configs }] : [];
  return {
    status: withPhase(
      input,
      { ...withoutFailureMarks(status), ...previous },
      "Promoting",
      message,
    ),
    actions: [...extra, ...keep, { type: "promote" }, event(message)],
    requeueAfterMs: readinessPollMs,
  };
}

/**
 * What a revert would go back to: the primary's template as it runs before the copy. A primary that
 * already runs the promoted revision (a retried promotion) keeps the record made the first time.
 */
function previousRelease(input: DecideInput): Pick<CanaryStatus, "previous"> {
  const { observations, status } = input;
  const template = observations.primaryTemplate;
  if (
    !template ||
    !status.lastPromotedSpec ||
    observations.primary.revision === status.lastAppliedSpec
  )
    return status.previous ? { previous: status.previous } : {};
  return {
    previous: {
      revision: status.lastPromotedSpec,
      template,
      at: input.now.toISOString(),
      ...warmUntil(input),
      ...(observations.primaryConfigCopies?.length
        ? { configs: observations.primaryConfigCopies }
        : {}),
    },
  };
}

/** Promoting: wait for the primary rollout, then shift traffic back (gradually with stepWeightPromotion). */
export function promoting(input: DecideInput): Decision {
  const { observations, status, spec } = input;
  // The cache must show the primary at this revision (not the one before the copy) and ready.
  if (
    !observations.primary.ready ||
    observations.primary.revision !== status.lastAppliedSpec
  ) {
    const since = Date.parse(
      status.lastTransitionTime ?? input.now.toISOString(),
    );
    const overdue =
      input.now.getTime() - since > spec.progressDeadlineSeconds * 1000;
    if (observations.primary.failed || overdue)
      return promotionFailure(
        input,
        `${observations.primary.message ?? "not ready"}; progress deadline of ${spec.progressDeadlineSeconds}s ${observations.primary.failed ? "reached by its rollout" : "exceeded"}`,
      );
    return {
      status,
      actions: [{ type: "promote" }],
      requeueAfterMs: readinessPollMs,
    };
  }
  const weight = status.canaryWeight ?? 0;
  if (
    spec.stepWeightPromotion > 0 &&
    spec.strategy === "canary" &&
    weight > 0
  ) {
    const wait = msUntilDue(spec, status, input.now);
    if (wait > 0) {
      return {
        status,
        actions: [
          {
            type: "setRoutes",
            primaryWeight: 100 - weight,
            canaryWeight: weight,
          },
        ],
        requeueAfterMs: wait,
      };
    }
    const next = Math.max(0, weight - spec.stepWeightPromotion);
    const message = `Advance ${ref(input)} primary weight ${100 - next}`;
    const stepped = {
      ...status,
      canaryWeight: next,
      lastStepTime: input.now.toISOString(),
    };
    if (next > 0) {
      return {
        status: withPhase(input, stepped, "Promoting", message),
        actions: [
          { type: "setRoutes", primaryWeight: 100 - next, canaryWeight: next },
          event(message),
        ],
        requeueAfterMs: spec.intervalMs,
      };
    }
  }
  const message = `Routing all traffic to primary ${spec.targetName}-primary.${input.canary.namespace}`;
  return {
    status: withPhase(
      input,
      { ...status, canaryWeight: 0 },
      "Finalising",
      message,
    ),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      event(message),
    ],
    requeueAfterMs: readinessPollMs,
  };
}

export function finalise(input: DecideInput): Decision {
  const status = openBake(input, {
    ...withoutFailureMarks(input.status),
    canaryWeight: 0,
    lastPromotedSpec: input.status.lastAppliedSpec,
    history: closeRun(input.status.history, "promoted"),
  });
  const message = `Promotion completed! Scaling down ${input.spec.targetName}.${input.canary.namespace}${status.bake ? `; baking until ${status.bake.until}` : ""}`;
  return {
    status: withPhase(input, status, "Succeeded", message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "zero" },
      event(message),
      { type: "notify", kind: "promoted", severity: "info", message },
      ...postRollout(input),
    ],
    requeueAfterMs: input.spec.intervalMs,
  };
}

export function rollback(input: DecideInput, reason: string): Decision {
  const message = `Rolling back ${ref(input)}: ${reason}`;
  const status = {
    ...withoutFailureMarks(input.status),
    canaryWeight: 0,
    lastStepTime: input.now.toISOString(),
    history: closeRun(input.status.history, "failed"),
  };
  return {
    status: withPhase(input, status, "Failed", message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "zero" },
      event(message, "Warning"),
      { type: "notify", kind: "rollback", severity: "error", message, reason },
      ...postRollout(input),
    ],
    requeueAfterMs: input.spec.intervalMs,
  };
}

/** Promoting, the primary not ready past the deadline (or failed): Failed, the canary keeps serving. */
function promotionFailure(input: DecideInput, detail: string): Decision {
  const { spec, status } = input;
  const weight = status.canaryWeight ?? 0;
  const reason = `the primary ${spec.targetName}-primary did not become ready after the promotion copy: ${detail}`;
  const message = `Promotion of ${ref(input)} failed: ${reason}. The canary keeps serving at weight ${weight} (the primary's Service takes the rest); it finishes when the primary is ready, on kubectl siskin retry, or with a new revision`;
  const failed = withPhase(
    input,
    {
      ...status,
      promotionFailed: { at: input.now.toISOString(), reason },
      history: closeRun(status.history, "failed"),
    },
    "Failed",
    message,
  );
  return {
    status: failed,
    actions: [
      routesFor(spec, failed),
      event(message, "Warning"),
      {
        type: "notify",
        kind: "promotionFailed",
        severity: "error",
        message,
        reason,
      },
    ],
    requeueAfterMs: readinessPollMs,
  };
}
