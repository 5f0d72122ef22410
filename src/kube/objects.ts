// Writes through one narrow port: server-side apply for objects Siskin owns, merge patches for the few
// fields it changes on user objects, and one merge patch of a Canary's /status per reconcile. Every
// answer goes back to the caches (onWritten), so the next comparison needs no read.
import { flaggerApiVersion } from "../api/identity.ts";
import type { KubeApi, KubeObject } from "./api.ts";
import { statusCodeOf } from "./client/errors.ts";

export const fieldManager = "siskin";

export interface ObjectWriter {
  /** Create or update an object Siskin owns (server-side apply, forced). */
  apply<T extends KubeObject>(object: T): Promise<T>;
  /** Merge-patch some fields of an object (used for the target's replicas). */
  mergePatch(object: KubeObject): Promise<void>;
  /** Deletes an object; one that is already gone is not an error. */
  delete(object: KubeObject): Promise<void>;
  patchCanaryStatus(
    namespace: string,
    name: string,
    status: unknown,
  ): Promise<void>;
  /** Replace a Canary's finalizers, guarded by resourceVersion (a conflict is retried by the queue). */
  setCanaryFinalizers(
    namespace: string,
    name: string,
    resourceVersion: string | undefined,
    finalizers: string[],
  ): Promise<void>;
}

const canaryRef = (namespace: string, name: string) => ({
  apiVersion: flaggerApiVersion,
  kind: "Canary",
  namespace,
  name,
});

export function kubeObjectWriter(
  api: KubeApi,
  onWritten: (object: Record<string, unknown>) => void = () => {},
): ObjectWriter {
  const refOf = (object: KubeObject) => ({
    apiVersion: object.apiVersion ?? "",
    kind: object.kind ?? "",
    namespace: object.metadata?.namespace ?? "",
    name: object.metadata?.name ?? "",
  });
  const written = <T>(answer: T): T => {
    if (answer && typeof answer === "object")
      onWritten(answer as Record<string, unknown>);
    return answer;
  };
  return {
    apply: async (object) => written(await api.apply(object, fieldManager)),
    mergePatch: async (object) => {
      const body = { ...object };
      delete body.apiVersion;
      delete body.kind;
      written(await api.patch(refOf(object), body, "merge", { fieldManager }));
    },
    delete: async (object) => {
      try {
        await api.delete(refOf(object));
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw error;
      }
    },
    setCanaryFinalizers: async (
      namespace,
      name,
      resourceVersion,
      finalizers,
    ) => {
      written(
        await api.patch(
          canaryRef(namespace, name),
          {
            metadata: {
              ...(resourceVersion ? { resourceVersion } : {}),
              finalizers,
            },
          },
          "merge",
          { fieldManager },
        ),
      );
    },
    patchCanaryStatus: async (namespace, name, status) => {
      written(
        await api.patch(canaryRef(namespace, name), { status }, "merge", {
          subresource: "status",
          fieldManager,
        }),
      );
    },
  };
}
