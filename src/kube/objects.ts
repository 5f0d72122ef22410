// Writes through one narrow port: server-side apply for objects Siskin owns, merge patches for the few
// fields it changes on user objects, and one merge patch of a Canary's /status per reconcile.
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { SiskinError } from "../util/errors.ts";

export const fieldManager = "siskin";

export interface ObjectWriter {
  /** Create or update an object Siskin owns (server-side apply, forced). */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  /** Merge-patch some fields of an object (used for the target's replicas). */
  mergePatch(object: KubernetesObject): Promise<void>;
  delete(object: KubernetesObject): Promise<void>;
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

export function kubeObjectWriter(kc: KubeConfig): ObjectWriter {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    apply: (object) =>
      wrap(`apply ${describe(object)}`, () =>
        objects.patch(
          object,
          undefined,
          undefined,
          fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        ),
      ),
    mergePatch: async (object) => {
      await wrap(`patch ${describe(object)}`, () =>
        objects.patch(
          object,
          undefined,
          undefined,
          fieldManager,
          undefined,
          PatchStrategy.MergePatch,
        ),
      );
    },
    delete: async (object) => {
      try {
        await objects.delete(object);
      } catch (error) {
        if (statusCode(error) !== 404)
          throw toSiskinError(`delete ${describe(object)}`, error);
      }
    },
    setCanaryFinalizers: async (
      namespace,
      name,
      resourceVersion,
      finalizers,
    ) => {
      await wrap(`update finalizers of canary ${namespace}/${name}`, () =>
        custom.patchNamespacedCustomObject(
          {
            group: "flagger.app",
            version: "v1beta1",
            plural: "canaries",
            namespace,
            name,
            body: {
              metadata: {
                ...(resourceVersion ? { resourceVersion } : {}),
                finalizers,
              },
            },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );
    },
    patchCanaryStatus: async (namespace, name, status) => {
      await wrap(`update status of canary ${namespace}/${name}`, () =>
        custom.patchNamespacedCustomObjectStatus(
          {
            group: "flagger.app",
            version: "v1beta1",
            plural: "canaries",
            namespace,
            name,
            body: { status },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );
    },
  };
}

function describe(object: KubernetesObject): string {
  return `${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
}

export function statusCode(error: unknown): number | undefined {
  if (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "number"
  )
    return error.code;
  return undefined;
}

function toSiskinError(what: string, error: unknown): SiskinError {
  const code = statusCode(error);
  const body =
    typeof error === "object" && error !== null && "body" in error
      ? String(error.body)
      : String(error);
  const detail = (() => {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  })();
  if (code === 404)
    return new SiskinError("NOT_FOUND", `${what}: not found`, { cause: error });
  if (code === 409)
    return new SiskinError("KUBE_CONFLICT", `${what}: conflict, will retry`, {
      cause: error,
      retriable: true,
    });
  const retriable = code === undefined || code >= 500 || code === 429;
  return new SiskinError(
    "KUBE_API",
    `${what} failed (${code ?? "no response"}): ${detail}`,
    { cause: error, retriable },
  );
}

async function wrap<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toSiskinError(what, error);
  }
}
