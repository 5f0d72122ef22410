// The weighted-canary state machine as one pure function: (spec, status, observations, now) ->
// (next status, actions). No I/O, no clock of its own, so every transition is a table test.
import type { CanaryStatus, CheckResult, Phase } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { Action, Decision, DecideInput } from "./types.ts";
import { describeCheck } from "./verdicts.ts";

/** How soon to look again while waiting for a rollout to become ready. */
export const readinessPollMs = 2000;

export function decide(input: DecideInput): Decision {
  const phase = input.status.phase;
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
export function wantsChecks(
  input: Omit<DecideInput, "observations"> & {
    observations: DecideInput["observations"];
  },
): boolean {
  const { status, observations, spec } = input;
  return (
    status.phase === "Progressing" &&
    observations.targetRevision === status.lastAppliedSpec &&
    observations.canary.ready &&
    observations.primary.ready &&
    msUntilDue(input.spec, status, input.now) === 0 &&
    (status.canaryWeight ?? 0) > 0 &&
    spec.metrics.length > 0
  );
}

function msUntilDue(
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

function ref(input: DecideInput): string {
  return `${input.canary.name}.${input.canary.namespace}`;
}

/** A status with a new phase; lastTransitionTime and the Promoted condition follow the phase. */
function withPhase(
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
  const previous = input.status.conditions?.find((c) => c.type === "Promoted");
  const condition = {
    type: "Promoted",
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
  actions.push(
    { type: "scaleTarget", to: "zero" },
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    {
      type: "event",
      eventType: "Normal",
      reason: "Synced",
      message: `Initialization done! ${ref(input)}`,
    },
    {
      type: "notify",
      kind: "initialized",
      severity: "info",
      message: `Initialization done! ${ref(input)}`,
    },
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
  return { status, actions };
}

/** Initialized, Succeeded or Failed: wait for a new revision of the target. */
function idle(input: DecideInput): Decision {
  const { observations, status } = input;
  if (observations.targetRevision === status.lastAppliedSpec) {
    // Re-assert the steady state every interval: corrects drift of the router objects and of the
    // upstreamRef settings copied into them.
    return {
      status,
      actions: [{ type: "setRoutes", primaryWeight: 100, canaryWeight: 0 }],
      requeueAfterMs: input.spec.intervalMs,
    };
  }
  const message = `New revision detected! Scaling up ${input.spec.targetName}.${input.canary.namespace}`;
  return {
    status: startRevision(input, "Progressing", message),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "up" },
      { type: "event", eventType: "Normal", reason: "Synced", message },
      { type: "notify", kind: "newRevision", severity: "info", message },
    ],
    requeueAfterMs: readinessPollMs,
  };
}

function startRevision(
  input: DecideInput,
  phase: Phase,
  message: string,
): CanaryStatus {
  const now = input.now.toISOString();
  return withPhase(
    input,
    {
      ...input.status,
      canaryWeight: 0,
      failedChecks: 0,
      iterations: 0,
      lastAppliedSpec: input.observations.targetRevision,
      trackedConfigs: input.observations.trackedConfigs,
      canaryRevisionStart: now,
      lastStepTime: now,
      lastChecks: [],
    },
    phase,
    message,
  );
}

function progress(input: DecideInput): Decision {
  const { observations, status, spec } = input;
  if (observations.targetRevision !== status.lastAppliedSpec) {
    const message = `New revision detected during analysis, restarting ${ref(input)} from weight 0`;
    return {
      status: startRevision(input, "Progressing", message),
      actions: [
        { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
        { type: "scaleTarget", to: "up" },
        { type: "event", eventType: "Normal", reason: "Synced", message },
        { type: "notify", kind: "restart", severity: "info", message },
      ],
      requeueAfterMs: readinessPollMs,
    };
  }
  if (!observations.canary.ready || !observations.primary.ready) {
    const started = Date.parse(
      status.canaryRevisionStart ?? input.now.toISOString(),
    );
    const overdue =
      input.now.getTime() - started > spec.progressDeadlineSeconds * 1000;
    const which = observations.canary.ready ? "primary" : "canary";
    const detail =
      (observations.canary.ready
        ? observations.primary.message
        : observations.canary.message) ?? "not ready";
    if (observations.canary.failed || overdue) {
      return rollback(
        input,
        `${which} Deployment ${detail}; progress deadline of ${spec.progressDeadlineSeconds}s exceeded`,
      );
    }
    return {
      status: {
        ...status,
        message: `Waiting for the ${which} Deployment: ${detail}`,
      },
      actions: [],
      requeueAfterMs: readinessPollMs,
    };
  }
  const wait = msUntilDue(spec, status, input.now);
  if (wait > 0) {
    // Between steps, keep the router at the current weights (drift is corrected, never reset to 0).
    const weight = status.canaryWeight ?? 0;
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
  return analysisStep(input);
}

function analysisStep(input: DecideInput): Decision {
  const { status, spec } = input;
  const weight = status.canaryWeight ?? 0;
  const checks = weight > 0 ? (input.observations.checks ?? []) : [];
  const failed = checks.filter((c) => c.verdict !== "pass");
  const stepped: CanaryStatus = {
    ...status,
    lastStepTime: input.now.toISOString(),
    lastChecks: checks,
  };
  const checkEvents: Action[] = checks.map((c) => ({
    type: "event",
    eventType: c.verdict === "pass" ? "Normal" : "Warning",
    reason: c.verdict === "pass" ? "MetricCheck" : "MetricCheckFailed",
    message: `${describeCheck(c)}${c.query ? ` [query: ${c.query}]` : ""}`,
  }));

  if (failed.length > 0) {
    const failedChecks = (status.failedChecks ?? 0) + 1;
    const reason = failed.map(describeCheck).join("; ");
    if (failedChecks >= spec.threshold) {
      const decision = rollback(
        input,
        `Canary analysis failed ${failedChecks} times (threshold ${spec.threshold}): ${reason}`,
      );
      return {
        ...decision,
        status: { ...decision.status, failedChecks, lastChecks: checks },
        actions: [...checkEvents, ...decision.actions],
      };
    }
    const message = `Halt ${ref(input)} advancement: ${reason}`;
    return {
      status: { ...stepped, failedChecks, message },
      actions: [
        ...checkEvents,
        { type: "event", eventType: "Warning", reason: "Synced", message },
      ],
      requeueAfterMs: spec.intervalMs,
    };
  }

  const next = spec.weights.find((w) => w > weight);
  if (next === undefined) {
    const message = `Copying ${spec.targetName}.${input.canary.namespace} template spec to ${spec.targetName}-primary.${input.canary.namespace}`;
    return {
      status: withPhase(input, stepped, "Promoting", message),
      actions: [
        ...checkEvents,
        { type: "promote" },
        { type: "event", eventType: "Normal", reason: "Synced", message },
      ],
      requeueAfterMs: readinessPollMs,
    };
  }
  const message = `Advance ${ref(input)} canary weight ${next}`;
  return {
    status: withPhase(
      input,
      { ...stepped, canaryWeight: next },
      "Progressing",
      message,
    ),
    actions: [
      ...checkEvents,
      { type: "setRoutes", primaryWeight: 100 - next, canaryWeight: next },
      { type: "event", eventType: "Normal", reason: "Synced", message },
    ],
    requeueAfterMs: spec.intervalMs,
  };
}

function promoting(input: DecideInput): Decision {
  const { observations, status } = input;
  if (!observations.primary.ready) {
    return {
      status,
      actions: [{ type: "promote" }],
      requeueAfterMs: readinessPollMs,
    };
  }
  const message = `Routing all traffic to primary ${input.spec.targetName}-primary.${input.canary.namespace}`;
  return {
    status: withPhase(
      input,
      { ...status, canaryWeight: 0 },
      "Finalising",
      message,
    ),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "event", eventType: "Normal", reason: "Synced", message },
    ],
    requeueAfterMs: readinessPollMs,
  };
}

function finalise(input: DecideInput): Decision {
  const message = `Promotion completed! Scaling down ${input.spec.targetName}.${input.canary.namespace}`;
  return {
    status: withPhase(
      input,
      {
        ...input.status,
        canaryWeight: 0,
        lastPromotedSpec: input.status.lastAppliedSpec,
      },
      "Succeeded",
      message,
    ),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "zero" },
      { type: "event", eventType: "Normal", reason: "Synced", message },
      { type: "notify", kind: "promoted", severity: "info", message },
    ],
  };
}

function rollback(input: DecideInput, reason: string): Decision {
  const message = `Rolling back ${ref(input)}: ${reason}`;
  return {
    status: withPhase(
      input,
      {
        ...input.status,
        canaryWeight: 0,
        lastStepTime: input.now.toISOString(),
      },
      "Failed",
      message,
    ),
    actions: [
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      { type: "scaleTarget", to: "zero" },
      { type: "event", eventType: "Warning", reason: "Synced", message },
      { type: "notify", kind: "rollback", severity: "error", message, reason },
    ],
  };
}

export type { CheckResult };
