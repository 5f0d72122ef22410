// Kubernetes Events on a Canary (what `kubectl describe canary` shows).
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { KubeApi } from "./api.ts";

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

export function kubeEventRecorder(
  api: KubeApi,
  clock: Clock,
  logger: Logger,
): EventRecorder {
  let sequence = 0;
  return {
    async record(target, eventType, reason, message) {
      const now = clock.now();
      const name = `${target.name}.${now.getTime().toString(16)}${(sequence++ % 4096).toString(16)}`;
      try {
        const at = now.toISOString();
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
            type: eventType,
            reason,
            message: message.slice(0, 1024),
            source: { component: "siskin" },
            firstTimestamp: at,
            lastTimestamp: at,
            count: 1,
          },
          {},
          "low", // an announcement: the steps' own writes go first
        );
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
