// What happens when a run cannot go on by itself:
//   - analysis.onFailure: hold: a failed analysis freezes the run at its weight for a person to answer
//     (promote, abort or retry); past the progress deadline it rolls back, as an unanswered run must.
//   - after a promotion whose primary never became ready (promotionFailure in promotion.ts: the canary,
//     the one healthy copy of a revision that passed its analysis, keeps serving at its weight, as
//     Flagger 1.44 does since fluxcd/flagger #1931, instead of a rollback to the broken primary): the
//     Failed run keeps that split and finishes by itself if the primary becomes ready later.
import type { CanaryStatus } from "../api/canary.ts";
import { withoutFailureMarks } from "./failure-marks.ts";
import { promoting, rollback } from "./promotion.ts";
import { event, ref, routesFor, withPhase } from "./status.ts";
import type { Action, Decision, DecideInput } from "./types.ts";

const deadlineMs = (input: DecideInput) =>
  input.spec.progressDeadlineSeconds * 1000;

/** onFailure: hold: the analysis failed `threshold` times; the run stays where it is and asks a person. */
export function holdRun(
  input: DecideInput,
  stepped: CanaryStatus,
  reason: string,
  events: Action[],
): Decision {
  const { spec } = input;
  const until = new Date(input.now.getTime() + deadlineMs(input));
  const message = `Holding ${ref(input)} at weight ${stepped.canaryWeight ?? 0}: ${reason}. Answer with kubectl siskin promote, abort or retry ${input.canary.name} -n ${input.canary.namespace}; rolled back at ${until.toISOString()} (progress deadline ${spec.progressDeadlineSeconds}s) if nobody does`;
  const status: CanaryStatus = {
    ...stepped,
    held: { at: input.now.toISOString(), reason },
    message,
  };
  return {
    status,
    actions: [
      ...events,
      routesFor(spec, status),
      event(message, "Warning"),
      { type: "notify", kind: "held", severity: "error", message, reason },
    ],
    requeueAfterMs: deadlineMs(input),
  };
}

/** A held run: routes kept at its weight until someone answers or the progress deadline passes. */
export function holding(input: DecideInput): Decision {
  const { spec, status } = input;
  const held = status.held!;
  const left = Date.parse(held.at) + deadlineMs(input) - input.now.getTime();
  if (left <= 0) {
    return rollback(
      input,
      `held since ${held.at} with no promote, abort or retry: progress deadline of ${spec.progressDeadlineSeconds}s exceeded; the analysis had failed: ${held.reason}`,
    );
  }
  return {
    status,
    actions: [routesFor(spec, status)],
    requeueAfterMs: left,
  };
}

/**
 * Failed after a failed promotion, same revision: traffic stays where the run left it. When the primary
 * runs the promoted revision and is ready, the promotion goes on from there (routes back to it).
 */
export function afterFailedPromotion(input: DecideInput): Decision {
  const { observations, status, spec } = input;
  if (
    observations.primary.ready &&
    observations.primary.revision === status.lastAppliedSpec
  ) {
    const resumed = withPhase(
      input,
      withoutFailureMarks(status),
      "Promoting",
      `The primary of ${ref(input)} is ready after the failed promotion; finishing it`,
    );
    return promoting({ ...input, status: resumed });
  }
  return {
    status,
    actions: [{ type: "ensureServices" }, routesFor(spec, status)],
    // The primary's changes wake the Canary; this only bounds a missed one.
    requeueAfterMs: spec.intervalMs,
  };
}
