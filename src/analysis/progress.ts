// Progressing: wait for readiness, then one analysis step per interval, by strategy:
//   canary     -> step the weight up to maxWeight, then promote
//   blueGreen  -> `iterations` passing steps with no traffic split, full switch to the canary, promote
//   abTesting  -> `iterations` passing steps with matching requests on the canary, then promote
import type { CheckResult } from "../api/canary.ts";
import { skipToPromotion, startRun } from "./transitions.ts";
import { rollback, startPromotion } from "./promotion.ts";
import {
  event,
  msUntilDue,
  readinessPollMs,
  ref,
  routesFor,
  withPhase,
} from "./status.ts";
import type { Action, Decision, DecideInput } from "./types.ts";
import { describeCheck } from "./verdicts.ts";

export function progress(input: DecideInput): Decision {
  const { observations, status, spec } = input;
  if (observations.targetRevision !== status.lastAppliedSpec)
    return startRun(input, true);
  if (spec.skipAnalysis) return skipToPromotion(input);
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
  // Between steps, keep the router where the status says it is: drift is corrected, never reset.
  if (wait > 0)
    return { status, actions: [routesFor(spec, status)], requeueAfterMs: wait };
  return analysisStep(input);
}

/** Whether a step at this point judges metrics: a weighted canary at weight 0 has no traffic yet. */
export function stepChecksMetrics(input: DecideInput): boolean {
  return (
    input.spec.strategy !== "canary" || (input.status.canaryWeight ?? 0) > 0
  );
}

function checkEvents(checks: CheckResult[]): Action[] {
  return checks.map((c) => ({
    type: "event",
    eventType: c.verdict === "pass" ? "Normal" : "Warning",
    reason: c.verdict === "pass" ? "MetricCheck" : "MetricCheckFailed",
    message: `${describeCheck(c)}${c.query ? ` [query: ${c.query}]` : ""}`,
  }));
}

function analysisStep(input: DecideInput): Decision {
  const { status, spec } = input;
  const checks = stepChecksMetrics(input)
    ? (input.observations.checks ?? [])
    : [];
  const failed = checks.filter((c) => c.verdict !== "pass");
  const stepped = {
    ...status,
    lastStepTime: input.now.toISOString(),
    lastChecks: checks,
  };
  const events = checkEvents(checks);

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
        actions: [...events, ...decision.actions],
      };
    }
    const message = `Halt ${ref(input)} advancement: ${reason}`;
    return {
      status: { ...stepped, failedChecks, message },
      actions: [...events, routesFor(spec, status), event(message, "Warning")],
      requeueAfterMs: spec.intervalMs,
    };
  }
  return spec.strategy === "canary"
    ? advanceWeight(input, stepped, events)
    : advanceIteration(input, stepped, events);
}

function advanceWeight(
  input: DecideInput,
  stepped: DecideInput["status"],
  events: Action[],
): Decision {
  const weight = stepped.canaryWeight ?? 0;
  const next = input.spec.weights.find((w) => w > weight);
  if (next === undefined) return startPromotion(input, stepped, events);
  const message = `Advance ${ref(input)} canary weight ${next}`;
  return {
    status: withPhase(
      input,
      { ...stepped, canaryWeight: next },
      "Progressing",
      message,
    ),
    actions: [
      ...events,
      { type: "setRoutes", primaryWeight: 100 - next, canaryWeight: next },
      event(message),
    ],
    requeueAfterMs: input.spec.intervalMs,
  };
}

function advanceIteration(
  input: DecideInput,
  stepped: DecideInput["status"],
  events: Action[],
): Decision {
  const { spec } = input;
  const iterations = (stepped.iterations ?? 0) + 1;
  const counted = { ...stepped, iterations };
  if (iterations <= spec.iterations) {
    const message = `Advance ${ref(input)} canary iteration ${iterations}/${spec.iterations}`;
    return {
      status: withPhase(input, counted, "Progressing", message),
      actions: [...events, routesFor(spec, counted), event(message)],
      requeueAfterMs: spec.intervalMs,
    };
  }
  // Blue/green switches all traffic to the canary for one interval before the primary is replaced.
  if (spec.strategy === "blueGreen" && (stepped.canaryWeight ?? 0) < 100) {
    const message = `Routing all traffic to canary ${spec.targetName}.${input.canary.namespace}`;
    return {
      status: withPhase(
        input,
        { ...stepped, canaryWeight: 100 },
        "Progressing",
        message,
      ),
      actions: [
        ...events,
        { type: "setRoutes", primaryWeight: 0, canaryWeight: 100 },
        event(message),
      ],
      requeueAfterMs: spec.intervalMs,
    };
  }
  return startPromotion(input, stepped, events);
}
