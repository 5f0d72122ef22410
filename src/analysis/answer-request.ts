// Requests: a person or tool asks the operator to act by writing the siskin.dev/request annotation
// (kubectl siskin promote|abort|retry|pause|resume), not by editing the spec, which GitOps would revert.
// The controller hands a request to the core as an observation until its id is recorded in
// status.lastRequest; that record is part of the one status write, so a restart or a repeated reconcile
// never carries a request out twice. A request that makes no sense in the phase is refused, saying why.
import type { CanaryStatus, Phase } from "../api/canary.ts";
import { eventReasons } from "./reasons.ts";
import { rollback, startPromotion } from "./promotion.ts";
import { event, ref } from "./status.ts";
import { startRun } from "./transitions.ts";
import { revertToPrevious, undoRefusal } from "./bake.ts";
import type {
  Action,
  Decision,
  DecideInput,
  OperatorRequest,
  UnreadableRequest,
} from "./types.ts";

const midRun: readonly Phase[] = ["Progressing", "WaitingPromotion"];

/** The decision for a new request: carried out, or refused with the reason. */
export function answerRequest(
  input: DecideInput,
  request: OperatorRequest | UnreadableRequest,
): Decision {
  if ("problem" in request) return refuse(input, request, request.problem);
  const phase = input.status.phase ?? "Initializing";
  const who = request.by || "someone";
  switch (request.action) {
    case "pause":
      if (input.status.pausedBy)
        return refuse(
          input,
          request,
          `already paused by ${input.status.pausedBy}`,
        );
      if (phase === "Initializing")
        return refuse(input, request, "the Canary is still initializing");
      return carriedOut(
        input,
        request,
        { status: { ...input.status, pausedBy: who }, actions: [] },
        `paused by ${who}; resume with kubectl siskin resume`,
      );
    case "resume":
      if (!input.status.pausedBy)
        return refuse(input, request, "the Canary is not paused");
      return carriedOut(
        input,
        request,
        {
          status: { ...input.status, pausedBy: undefined, message: undefined },
          actions: [],
          requeueAfterMs: 0,
        },
        `resumed by ${who}`,
      );
    case "abort":
      if (!midRun.includes(phase))
        return refuse(input, request, `nothing to abort in phase ${phase}`);
      return carriedOut(
        input,
        request,
        rollback(
          input,
          `aborted by ${who}${request.reason ? `: ${request.reason}` : ""}`,
        ),
        `aborted by ${who}`,
      );
    case "promote":
      if (midRun.includes(phase))
        return carriedOut(
          input,
          request,
          // The run's record (start, steps, weights) stays: promotion begins from where it is.
          startPromotion(input, input.status, [
            event(
              `Promotion of ${ref(input)} requested by ${who}: analysis stopped`,
            ),
          ]),
          `promoted by ${who}`,
        );
      if (phase === "Waiting")
        return carriedOut(
          input,
          request,
          startRun(input, false),
          `rollout confirmed by ${who}`,
        );
      return refuse(input, request, `nothing to promote in phase ${phase}`);
    case "undo": {
      const refusal = undoRefusal(input);
      if (refusal) return refuse(input, request, refusal);
      return carriedOut(
        input,
        request,
        revertToPrevious(input, `undo requested by ${who}`, who),
        `reverted to the previous release by ${who}`,
      );
    }
    case "retry":
      if (input.status.held && midRun.includes(phase))
        return carriedOut(
          input,
          request,
          startRun(input, false),
          `analysis of the held revision started again by ${who}`,
        );
      if (phase === "Failed" && input.status.promotionFailed)
        return carriedOut(
          input,
          request,
          startPromotion(input, input.status, [
            event(
              `Promotion of ${ref(input)} tried again at the request of ${who}`,
            ),
          ]),
          `promotion tried again by ${who}`,
        );
      if (phase !== "Failed")
        return refuse(
          input,
          request,
          `only a Failed or held run can be retried, not ${phase}`,
        );
      return carriedOut(
        input,
        request,
        startRun(input, false),
        `retry of the failed revision requested by ${who}`,
      );
  }
}

function record(
  input: DecideInput,
  request: OperatorRequest | UnreadableRequest,
  result: "done" | "refused",
  message: string,
): NonNullable<CanaryStatus["lastRequest"]> {
  return {
    id: request.id,
    action: "action" in request ? request.action : "unknown",
    by: "by" in request ? request.by : "",
    at: input.now.toISOString(),
    result,
    message,
  };
}

function requestEvent(message: string, warning: boolean): Action {
  return {
    type: "event",
    eventType: warning ? "Warning" : "Normal",
    reason: warning ? eventReasons.requestRefused : eventReasons.requestDone,
    message,
  };
}

function carriedOut(
  input: DecideInput,
  request: OperatorRequest,
  decision: Decision,
  message: string,
): Decision {
  const text = `${request.action} request ${request.id} for ${ref(input)}: ${message}`;
  return {
    ...decision,
    status: {
      ...decision.status,
      lastRequest: record(input, request, "done", message),
    },
    actions: [requestEvent(text, false), ...decision.actions],
  };
}

function refuse(
  input: DecideInput,
  request: OperatorRequest | UnreadableRequest,
  why: string,
): Decision {
  const action = "action" in request ? request.action : "request";
  const text = `${action} request ${request.id} for ${ref(input)} refused: ${why}`;
  return {
    status: {
      ...input.status,
      lastRequest: record(input, request, "refused", why),
    },
    actions: [requestEvent(text, true)],
    requeueAfterMs: 0,
  };
}
