// After a passing analysis step: the next weight or iteration, the gates in front of them
// (confirm-traffic-increase, confirm-promotion), and the start of the promotion.
import type { CanaryStatus } from "../api/canary.ts";
import { closedGate } from "./hooks.ts";
import { nextWeight } from "./schedule.ts";
import { rollback, startPromotion } from "./promotion.ts";
import { event, ref, routesFor, withPhase } from "./status.ts";
import type { Action, Decision, DecideInput } from "./types.ts";
import { describeCheck } from "./verdicts.ts";

/** The step's passing checks, for its event: " (metric 100 within threshold >= 99; ...)". */
function verdicts(stepped: CanaryStatus): string {
  const checks = stepped.lastChecks ?? [];
  return checks.length > 0 ? ` (${checks.map(describeCheck).join("; ")})` : "";
}

export function advanceWeight(
  input: DecideInput,
  stepped: CanaryStatus,
  events: Action[],
): Decision {
  const next = nextWeight(input);
  // The core never promotes a weighted run whose last judged step had no traffic on the canary (a
  // schedule without a weight above 0); resolveCanarySpec refuses such a spec, this keeps it so.
  if (next === undefined && (input.status.canaryWeight ?? 0) === 0)
    return rollback(
      input,
      "no analysis step had traffic on the canary (no step weight above 0); refusing to promote without a judged step",
    );
  if (next === undefined)
    return promotionGate(input, stepped, events, () =>
      startPromotion(input, stepped, events),
    );
  const gate = closedGate(input, "confirm-traffic-increase");
  if (gate) {
    // Not a failure: the weight stays and the gate is asked again at the next step.
    const message = `Waiting for approval to increase ${ref(input)} traffic: ${gate.reason}`;
    return {
      status: { ...stepped, message },
      actions: [...events, routesFor(input.spec, stepped), event(message)],
      requeueAfterMs: input.spec.intervalMs,
    };
  }
  const message = `Advance ${ref(input)} canary weight ${next}${verdicts(stepped)}`;
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

export function advanceIteration(
  input: DecideInput,
  stepped: CanaryStatus,
  events: Action[],
): Decision {
  const { spec } = input;
  const iterations = (stepped.iterations ?? 0) + 1;
  const counted = { ...stepped, iterations };
  if (iterations <= spec.iterations) {
    const message = `Advance ${ref(input)} canary iteration ${iterations}/${spec.iterations}${verdicts(stepped)}`;
    return {
      status: withPhase(input, counted, "Progressing", message),
      actions: [...events, routesFor(spec, counted), event(message)],
      requeueAfterMs: spec.intervalMs,
    };
  }
  // Blue/green switches all traffic to the canary for one interval before the primary is replaced;
  // the promotion gate stands in front of that switch.
  if (spec.strategy === "blueGreen" && (stepped.canaryWeight ?? 0) < 100) {
    return promotionGate(input, stepped, events, () => {
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
    });
  }
  if (spec.strategy === "blueGreen")
    return startPromotion(input, stepped, events);
  return promotionGate(input, stepped, events, () =>
    startPromotion(input, stepped, events),
  );
}

/** confirm-promotion: while a hook says no, WaitingPromotion (checks go on every interval). */
function promotionGate(
  input: DecideInput,
  stepped: CanaryStatus,
  events: Action[],
  open: () => Decision,
): Decision {
  const gate = closedGate(input, "confirm-promotion");
  if (!gate) return open();
  const message = `Waiting for approval to promote ${ref(input)}: ${gate.reason}`;
  const entering = input.status.phase !== "WaitingPromotion";
  const status = withPhase(input, stepped, "WaitingPromotion", message);
  return {
    status,
    actions: [
      ...events,
      routesFor(input.spec, status),
      ...(entering ? [event(message)] : []),
      ...(entering && !gate.muted
        ? [
            {
              type: "notify",
              kind: "waiting",
              severity: "warn",
              message,
            } as const,
          ]
        : []),
    ],
    requeueAfterMs: input.spec.intervalMs,
  };
}
