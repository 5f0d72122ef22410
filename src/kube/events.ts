// Kubernetes Events on a Canary (what `kubectl describe canary` shows).
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";

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
  kc: KubeConfig,
  clock: Clock,
  logger: Logger,
): EventRecorder {
  const core = kc.makeApiClient(CoreV1Api);
  let sequence = 0;
  return {
    async record(target, eventType, reason, message) {
      const now = clock.now();
      const name = `${target.name}.${now.getTime().toString(16)}${(sequence++ % 4096).toString(16)}`;
      try {
        await core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
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
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
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
