// Progressing and WaitingPromotion: wait for readiness, then one analysis step per interval, by strategy:
//   canary     -> step the weight up to maxWeight, then promote
//   blueGreen  -> `iterations` passing steps with no traffic split, full switch to the canary, promote
//   abTesting  -> `iterations` passing steps with matching requests on the canary, then promote
import type { CheckResult } from "../api/canary.ts";
import { advanceIteration, advanceWeight } from "./advance.ts";
import { describeHook, failedHooks, hookResults } from "./hooks.ts";
import {
  isFirstStep,
  msUntilDue,
  stepChecksMetrics,
  stepState,
  stepTime,
} from "./schedule.ts";
import { closeRun, recordStep } from "./history.ts";
import { judgeRunSamples } from "./samples.ts";
import { skipToPromotion, startRun } from "./transitions.ts";
import { rollback } from "./promotion.ts";
import { holdRun } from "./failure-policy.ts";
import { event, readinessPollMs, ref, routesFor } from "./status.ts";
import type { Action, Decision, DecideInput, HookResult } from "./types.ts";
import { eventReasons } from "./reasons.ts";
import { describeCheck } from "./verdicts.ts";

export function progress(input: DecideInput): Decision {
  const { observations, status, spec } = input;
  switch (stepState(input)) {
    case "newRevision":
      return startRun(input, true);
    case "skip":
      return skipToPromotion(input);
    case "notReady":
      return notReady(input);
    case "waiting":
    case "notAnalysing": // decide() answers deletions, requests and suspension before this
      // Between steps, keep the router where the status says it is: drift is corrected, never reset.
      return {
        status,
        actions: [routesFor(spec, status)],
        requeueAfterMs: Math.max(1, msUntilDue(spec, status, input.now)),
      };
    case "trafficNotInPlace":
      return trafficNotInPlace(input, observations.routedCanaryWeight ?? 0);
    case "due":
      return onCadence(input, analysisStep(input));
  }
}

/** Wait for both Deployments; past the progress deadline (or a failed rollout), roll back. */
function notReady(input: DecideInput): Decision {
  const { observations, status, spec } = input;
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

/**
 * The step is due but the router does not split traffic at the step's weight: the status moved on and
 * the routes did not follow (an operator killed between the two writes and back only after the
 * interval, a failed routes write, or an edit of the router's objects). Judging the step now would
 * pass a weight that never had its traffic, so the routes are restored and the step starts again.
 */
function trafficNotInPlace(input: DecideInput, routed: number): Decision {
  const { spec, status } = input;
  const message = `Restart ${ref(input)} step at weight ${status.canaryWeight ?? 0}: the router sent ${routed}% to the canary when the step fell due`;
  return {
    status: { ...status, lastStepTime: input.now.toISOString(), message },
    actions: [routesFor(spec, status), event(message, "Warning")],
    requeueAfterMs: spec.intervalMs,
  };
}

/**
 * A step that asks to be woken an interval later is woken when the next step falls due instead: an
 * interval after the step's time (stepTime), not after this reconcile, which ran later by the step's
 * checks and writes. Otherwise each step's write would lag the one before by that much, however
 * the step's time was counted.
 */
function onCadence(input: DecideInput, decision: Decision): Decision {
  const { spec } = input;
  if (
    decision.requeueAfterMs !== spec.intervalMs ||
    decision.status.phase !== "Progressing" ||
    !decision.status.lastStepTime
  )
    return decision;
  return {
    ...decision,
    requeueAfterMs: Math.max(1, msUntilDue(spec, decision.status, input.now)),
  };
}

/** Checks that count: a dry-run check is reported but never decides anything. */
const counted = (checks: CheckResult[]) => checks.filter((c) => !c.dryRun);
const failing = (c: CheckResult) =>
  c.verdict === "fail" || c.verdict === "error";
/** Too little to judge: no data, or too few canary requests in the window. */
const inconclusive = (c: CheckResult) =>
  c.verdict === "nodata" || c.verdict === "inconclusive";

/** A Warning event per check that did not pass; passing verdicts go into the step's own event. */
function checkEvents(checks: CheckResult[]): Action[] {
  return checks
    .filter((c) => c.verdict !== "pass" && !inconclusive(c))
    .map((c) => ({
      type: "event",
      eventType: "Warning",
      reason: eventReasons.metricCheckFailed,
      message: `${describeCheck(c)}${c.query ? ` [query: ${c.query}]` : ""}`,
    }));
}

function hookEvents(failed: HookResult[]): Action[] {
  return failed.map((r) => ({
    type: "event",
    eventType: "Warning",
    reason: eventReasons.webhookFailed,
    message: describeHook(r),
  }));
}

/** One analysis step: rollback hooks, pre-rollout (first step), rollout hooks and metrics, then advance. */
function analysisStep(input: DecideInput): Decision {
  const { status, spec } = input;
  const manual = hookResults(input, "rollback").find((r) => r.ok);
  if (manual) {
    return rollback(
      input,
      `manual rollback requested by webhook ${manual.name}: ${manual.message}`,
    );
  }
  const traffic = stepChecksMetrics(input);
  const checks = traffic
    ? judgeRunSamples(
        spec.metrics,
        input.observations.checks ?? [],
        status.history,
      )
    : [];
  const failedChecks = counted(checks).filter(failing);
  const failedHookResults = [
    ...(isFirstStep(input) ? failedHooks(input, "pre-rollout") : []),
    ...(traffic ? failedHooks(input, "rollout") : []),
  ];
  const unjudged =
    failedChecks.length === 0 && failedHookResults.length === 0
      ? counted(checks).filter(inconclusive)
      : [];
  // Inconclusive intervals hold the step; past maxInconclusive in a row each one counts as failed,
  // so a canary that gets no traffic at all still rolls back in bounded time.
  const streak = unjudged.length > 0 ? (status.inconclusiveChecks ?? 0) + 1 : 0;
  const noTraffic = streak > spec.maxInconclusive;
  const failed =
    failedChecks.length > 0 || failedHookResults.length > 0 || noTraffic;
  const stepAt = stepTime(spec, status, input.stepStartedAt ?? input.now);
  const history = recordStep(status, {
    at: stepAt,
    weight: status.canaryWeight ?? 0,
    checks,
    failed,
  });
  const stepped = {
    ...status,
    lastStepTime: stepAt.toISOString(),
    lastChecks: checks,
    inconclusiveChecks: streak,
    history,
  };
  const events = [...hookEvents(failedHookResults), ...checkEvents(checks)];

  if (failed) {
    const failures = (status.failedChecks ?? 0) + 1;
    const reason = [
      ...failedHookResults.map(describeHook),
      ...failedChecks.map(describeCheck),
      ...(noTraffic
        ? [
            `no traffic: ${streak} inconclusive intervals in a row (maxInconclusive ${spec.maxInconclusive}): ${unjudged.map(describeCheck).join("; ")}`,
          ]
        : []),
    ].join("; ");
    if (failures >= spec.threshold && spec.onFailure === "hold")
      return holdRun(
        input,
        { ...stepped, failedChecks: failures },
        `analysis failed ${failures} times (threshold ${spec.threshold}): ${reason}`,
        [...events, ...providerAlerts(input, checks)],
      );
    if (failures >= spec.threshold) {
      const decision = rollback(
        input,
        `Canary analysis failed ${failures} times (threshold ${spec.threshold}): ${reason}`,
      );
      return {
        ...decision,
        status: {
          ...decision.status,
          failedChecks: failures,
          lastChecks: checks,
          inconclusiveChecks: streak,
          history: closeRun(history, "failed"),
        },
        actions: [
          ...events,
          ...providerAlerts(input, checks),
          ...decision.actions,
        ],
      };
    }
    const message = `Halt ${ref(input)} advancement: ${reason}`;
    const unreachable = providerAlerts(input, checks);
    const onlyUnreachable =
      unreachable.length > 0 &&
      failedHookResults.length === 0 &&
      !noTraffic &&
      failedChecks.every((c) => c.verdict === "error");
    return {
      status: { ...stepped, failedChecks: failures, message },
      actions: [
        ...events,
        routesFor(spec, status),
        event(message, "Warning"),
        ...unreachable,
        // One alert when a run first halts; later halts are events only, until the rollback alert.
        // A halt that only a provider's silence caused has said so in its own alert.
        ...(failures === 1 && !onlyUnreachable
          ? [
              {
                type: "notify",
                kind: "halted",
                severity: "warn",
                message,
                reason,
              } as const,
            ]
          : []),
      ],
      requeueAfterMs: spec.intervalMs,
    };
  }
  if (unjudged.length > 0) {
    const message = `Hold ${ref(input)} at its step: inconclusive ${streak}/${spec.maxInconclusive}: ${unjudged.map(describeCheck).join("; ")}`;
    return {
      status: { ...stepped, message },
      actions: [...events, routesFor(spec, status), event(message)],
      requeueAfterMs: spec.intervalMs,
    };
  }
  return spec.strategy === "canary"
    ? advanceWeight(input, stepped, events)
    : advanceIteration(input, stepped, events);
}

/**
 * One alert when a metric provider stops answering (a check's verdict turns to error for a whole
 * interval), naming each such metric; none while it stays silent, so an outage alerts once. The
 * previous step's verdicts are in status.lastChecks, which makes this restart-safe.
 */
function providerAlerts(input: DecideInput, checks: CheckResult[]): Action[] {
  const before = new Map(
    (input.status.lastChecks ?? []).map((c) => [c.metric, c.verdict]),
  );
  const newlySilent = counted(checks).filter(
    (c) => c.verdict === "error" && before.get(c.metric) !== "error",
  );
  if (newlySilent.length === 0) return [];
  const reason = newlySilent
    .map((c) => `metric ${c.metric}: ${c.message ?? "no answer"}`)
    .join("; ");
  return [
    {
      type: "notify",
      kind: "providerError",
      severity: "warn",
      message: `Metrics of ${ref(input)} could not be read for a whole interval; the step counts as failed: ${reason}`,
      reason,
    },
  ];
}
