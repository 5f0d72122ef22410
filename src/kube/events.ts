// Kubernetes Events on a Canary (what `kubectl describe canary` shows). An Event identical to one
// already written raises that Event's count and lastTimestamp (one PATCH, no new object), and each
// Canary's Events are rate-limited (event-correlator.ts), as client-go's recorder does.
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { KubeApi } from "./api.ts";
import { statusCodeOf } from "./client/errors.ts";
import {
  EventCorrelator,
  type CorrelatorOptions,
  type EventKeyParts,
} from "./event-correlator.ts";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export interface EventRecorder {
  record(
    target: EventTarget,
    eventType: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void>;
}

/** The API calls the recorder makes, so a unit test can hand it a fake. */
export type EventApi = Pick<KubeApi, "create" | "patch">;

export function kubeEventRecorder(
  api: EventApi,
  clock: Clock,
  logger: Logger,
  options?: CorrelatorOptions,
): EventRecorder & { readonly dropped: number } {
  let sequence = 0;
  let dropped = 0;
  let lastDropLog = -Infinity;
  const correlator = new EventCorrelator(clock, options);

  const create = async (
    target: EventTarget,
    key: EventKeyParts,
    at: string,
  ): Promise<void> => {
    const name = `${target.name}.${clock.now().getTime().toString(16)}${(sequence++ % 4096).toString(16)}`;
    await api.create(
      {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: target.namespace },
        involvedObject: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name: target.name,
          namespace: target.namespace,
          ...(target.uid ? { uid: target.uid } : {}),
        },
        type: key.type,
        reason: key.reason,
        message: key.message,
        source: { component: "siskin" },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
      },
      {},
      "low", // an announcement: the steps' own writes go first
    );
    correlator.record(key, name, 1, at);
  };

  return {
    get dropped() {
      return dropped;
    },
    async record(target, eventType, reason, message) {
      const key: EventKeyParts = {
        namespace: target.namespace,
        kind: target.kind,
        name: target.name,
        ...(target.uid ? { uid: target.uid } : {}),
        type: eventType,
        reason,
        message: message.slice(0, 1024),
      };
      const decision = correlator.correlate(key);
      const at = clock.now().toISOString();
      try {
        if (decision.action === "drop") {
          dropped++;
          // One line a minute at most: the log must not be the flood instead.
          if (clock.monotonicMs() - lastDropLog > 60_000) {
            lastDropLog = clock.monotonicMs();
            logger.warn(
              { canary: `${target.namespace}/${target.name}`, reason, dropped },
              "events dropped: more than this object's event rate",
            );
          }
          return;
        }
        if (decision.action === "create") return await create(target, key, at);
        try {
          await api.patch(
            {
              apiVersion: "v1",
              kind: "Event",
              namespace: target.namespace,
              name: decision.name,
            },
            { count: decision.count, lastTimestamp: at },
            "merge",
          );
          correlator.record(
            key,
            decision.name,
            decision.count,
            decision.firstTimestamp,
          );
        } catch (error) {
          // The Event expired (the API server keeps them an hour): write it anew.
          if (statusCodeOf(error) !== 404) throw error;
          correlator.forget(key);
          await create(target, key, at);
        }
      } catch (error) {
        // An event that cannot be written must not fail the reconcile; the log keeps the message.
        logger.warn(
          { err: errorMessage(error), reason, message },
          "could not record event",
        );
      }
    },
  };
}
