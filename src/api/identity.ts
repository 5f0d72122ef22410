// A Canary's identity, said one way everywhere: its group/version and kind, the work-queue key, and the
// reference Events name it by (involvedObject).
import type { Canary } from "./canary.ts";

export const flaggerApiVersion = "flagger.app/v1beta1";

/** The work queue's and the caches' key: "namespace/name". */
export const canaryKey = (namespace: string, name: string): string =>
  `${namespace}/${name}`;

/** The Canary as an Event's involvedObject (with its uid when known, so kubectl describe finds it). */
export function canaryReference(canary: Pick<Canary, "metadata">): {
  apiVersion: string;
  kind: "Canary";
  name: string;
  namespace: string;
  uid?: string;
} {
  return {
    apiVersion: flaggerApiVersion,
    kind: "Canary",
    name: canary.metadata.name,
    namespace: canary.metadata.namespace,
    ...(canary.metadata.uid ? { uid: canary.metadata.uid } : {}),
  };
}
