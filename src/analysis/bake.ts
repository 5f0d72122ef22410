// After the promotion: analysis.bake judges the promoted primary each interval for a while, and a
// release that goes bad within that window (`threshold` failed checks, or kubectl siskin undo) is put
// back to the previous release's pod template, recorded at the promotion (status.previous). The target
// keeps the reverted revision: the status and the alert say so, and nothing runs again until the target
// changes, so a revert never fights GitOps. Every decision reads status only: restart-safe.
import type { CanaryStatus, CheckResult } from "../api/canary.ts";
import type { ResolvedMetric } from "../api/resolve.ts";
import { withoutFailureMarks } from "./failure-marks.ts";
import { closeRun, recordStep, startBakeRecord } from "./history.ts";
import { eventReasons } from "./reasons.ts";
import { event, readinessPollMs, ref, withPhase } from "./status.ts";
import { previousPodsReady } from "./previous-pods.ts";
import type { Action, Decision, DecideInput } from "./types.ts";
import { describeCheck } from "./verdicts.ts";

/** What the checks of this reconcile judge, and which side: the run's canary, or a baking primary. */
export interface CheckPlan {
  subject: "canary" | "primary";
  metrics: ResolvedMetric[];
}

const inWindow = (input: DecideInput) =>
  input.status.bake !== undefined &&
  !input.status.bake.passed &&
  input.now.getTime() < Date.parse(input.status.bake.until);

/** A bake is going on: Succeeded, the target still at the promoted revision, the window open. */
export function baking(input: DecideInput): boolean {
  const { status, observations } = input;
  return (
    status.phase === "Succeeded" &&
    status.bake !== undefined &&
    !status.bake.passed &&
    observations.targetRevision === status.lastAppliedSpec &&
    !input.deleting &&
    !input.request
  );
}

const msUntilBakeCheck = (input: DecideInput) =>
  Math.max(
    0,
    Date.parse(input.status.lastStepTime ?? input.now.toISOString()) +
      input.spec.intervalMs -
      input.now.getTime(),
  );

/** The bake's check plan when one is due now. */
export function bakePlan(input: DecideInput): CheckPlan | undefined {
  const metrics = input.spec.bake?.metrics ?? [];
  if (!baking(input) || !inWindow(input) || metrics.length === 0)
    return undefined;
  return msUntilBakeCheck(input) === 0
    ? { subject: "primary", metrics }
    : undefined;
}

/** The promotion is complete: with analysis.bake and a release to go back to, the window opens. */
export function openBake(
  input: DecideInput,
  status: CanaryStatus,
): CanaryStatus {
  const bake = input.spec.bake;
  if (!bake || !status.previous) {
    const rest = { ...status };
    delete rest.bake;
    return rest;
  }
  return {
    ...status,
    history: startBakeRecord(status.history),
    lastStepTime: input.now.toISOString(),
    bake: {
      until: new Date(input.now.getTime() + bake.durationMs).toISOString(),
      failedChecks: 0,
    },
  };
}

const failing = (c: CheckResult) =>
  !c.dryRun && (c.verdict === "fail" || c.verdict === "error");

/** One reconcile of a baking Canary: a check when due, the end of the window, or a revert. */
export function bakeStep(input: DecideInput): Decision {
  const { spec, status } = input;
  const bake = status.bake!;
  const keep: Action[] = [
    { type: "ensureServices" },
    { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
  ];
  if (!inWindow(input)) {
    const message = `Bake of ${ref(input)} passed: ${bake.failedChecks ?? 0} failed checks of the primary in the window (threshold ${spec.threshold})`;
    return {
      status: { ...status, bake: { ...bake, passed: true }, message },
      actions: [...keep, event(message)],
      requeueAfterMs: spec.intervalMs,
    };
  }
  const untilEnd = Date.parse(bake.until) - input.now.getTime();
  const checks = input.observations.checks;
  if (!checks || !bakePlan(input))
    return {
      status,
      actions: keep,
      requeueAfterMs: Math.max(
        1,
        Math.min(
          untilEnd,
          (spec.bake?.metrics.length ?? 0) > 0
            ? msUntilBakeCheck(input) || spec.intervalMs
            : untilEnd,
        ),
      ),
    };
  const failed = checks.filter(failing);
  const stepped: CanaryStatus = {
    ...status,
    lastStepTime: input.now.toISOString(),
    lastChecks: checks,
    history: recordStep(status, {
      at: input.now,
      weight: 0,
      checks,
      failed: failed.length > 0,
    }),
  };
  if (failed.length === 0)
    return {
      status: stepped,
      actions: keep,
      requeueAfterMs: Math.min(untilEnd, spec.intervalMs),
    };
  const failures = (bake.failedChecks ?? 0) + 1;
  const reason = failed.map(describeCheck).join("; ");
  const events: Action[] = failed.map((c) => ({
    type: "event",
    eventType: "Warning",
    reason: eventReasons.metricCheckFailed,
    message: `bake of the primary: ${describeCheck(c)}`,
  }));
  if (failures >= spec.threshold)
    return withEvents(
      revertToPrevious(
        { ...input, status: stepped },
        `the promoted release failed ${failures} checks during the bake (threshold ${spec.threshold}): ${reason}`,
      ),
      events,
    );
  return {
    status: {
      ...stepped,
      bake: { ...bake, failedChecks: failures },
      message: `Bake of ${ref(input)}: ${failures} of ${spec.threshold} failed checks of the primary: ${reason}`,
    },
    actions: [...keep, ...events],
    requeueAfterMs: Math.min(untilEnd, spec.intervalMs),
  };
}

const withEvents = (decision: Decision, events: Action[]): Decision => ({
  ...decision,
  actions: [...events, ...decision.actions],
});

/** Why an undo cannot be carried out now; undefined when it can. */
export function undoRefusal(input: DecideInput): string | undefined {
  const { status, spec } = input;
  if (status.phase !== "Succeeded")
    return `nothing to undo in phase ${status.phase ?? "Initializing"}: undo goes back from a promoted release`;
  if (!status.previous)
    return "nothing to go back to: the last promotion recorded no earlier release";
  if (!spec.bake || !status.bake)
    return "undo works within analysis.bake's window, and this promotion had none; set analysis.bake (for example duration: 10m)";
  if (!inWindow(input))
    return `the window for undo ended at ${status.bake.until}`;
  if (input.observations.targetRevision !== status.lastAppliedSpec)
    return "the target has changed since the promotion: a new run is starting";
  return undefined;
}

/**
 * The primary goes back to the previous release; the target's spec no longer matches what runs. With
 * the previous release's pods warm (analysis.rollbackWindow), traffic moves to them in this reconcile,
 * through the router, and back to the primary once its rollout is ready (restoringStep).
 */
export function revertToPrevious(
  input: DecideInput,
  reason: string,
  by?: string,
): Decision {
  const { status, spec } = input;
  const previous = status.previous!;
  const from = status.lastAppliedSpec ?? "";
  const warm = previousPodsReady(input);
  const traffic = warm
    ? ` Traffic moved to the previous release's warm pods (${spec.targetName}-previous) until the primary is ready again.`
    : "";
  const message = `Reverted ${ref(input)} to the previous release (revision ${previous.revision}): ${reason}. ${spec.targetName} (revision ${from}) no longer matches what runs: revert the commit or push a fix; the next change of ${spec.targetName} starts a normal run.${traffic}`;
  const rest = withoutFailureMarks(status);
  // Warm pods keep the record until they are no longer needed (withPreviousPods scales them away).
  if (!warm) delete rest.previous;
  delete rest.bake;
  const reverted = withPhase(
    input,
    {
      ...rest,
      canaryWeight: 0,
      lastPromotedSpec: previous.revision,
      history: closeRun(status.history, "reverted"),
      reverted: {
        at: input.now.toISOString(),
        reason,
        from,
        to: previous.revision,
        ...(by ? { by } : {}),
        ...(warm ? { restoring: true } : {}),
      },
    },
    "Failed",
    message,
  );
  const routes: Action[] = warm
    ? [
        { type: "ensureServices", servingPrevious: true },
        { type: "setRoutes", primaryWeight: 0, canaryWeight: 100 },
      ]
    : [{ type: "setRoutes", primaryWeight: 100, canaryWeight: 0 }];
  return {
    status: reverted,
    actions: [
      ...routes,
      {
        type: "revertPrimary",
        template: previous.template,
        revision: previous.revision,
        ...(previous.configs?.length
          ? { configs: previous.configs, restartedAt: input.now.toISOString() }
          : {}),
      },
      event(message, "Warning"),
      { type: "notify", kind: "reverted", severity: "error", message, reason },
    ],
    requeueAfterMs: warm ? readinessPollMs : spec.intervalMs,
  };
}

/**
 * Reverted, and the target is back at the release that runs (the commit was reverted): nothing to roll
 * out; recorded as applied and Succeeded without a run.
 */
export function backAtRunningRelease(input: DecideInput): Decision {
  const { status, spec } = input;
  const rest = withoutFailureMarks(status);
  const message = `${spec.targetName} is back at the running release (revision ${status.lastPromotedSpec}); nothing to roll out`;
  return {
    status: withPhase(
      input,
      { ...rest, lastAppliedSpec: input.observations.targetRevision },
      "Succeeded",
      message,
    ),
    actions: [
      { type: "ensureServices" },
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
      event(message),
    ],
    requeueAfterMs: spec.intervalMs,
  };
}
