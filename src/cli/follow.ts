// Follows one Canary as the API server changes it: a GET, then a watch from that resourceVersion,
// watched again when the server ends it. The CLI reacts to each change; it never polls.
import { flaggerApiVersion } from "../api/identity.ts";
import type { Canary } from "../api/canary.ts";
import type { KubeApi } from "../kube/api.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { resourceOf, resourcePath } from "../kube/client/resources.ts";

export const canaryRef = (namespace: string, name: string) => ({
  apiVersion: flaggerApiVersion,
  kind: "Canary",
  namespace,
  name,
});

/**
 * Calls `onCanary` with the Canary now and after each change until it returns true (resolves true), or
 * `signal` aborts (resolves false). A deleted Canary ends the follow with an error.
 */
export async function followCanary(
  client: KubeClient,
  api: KubeApi,
  namespace: string,
  name: string,
  onCanary: (canary: Canary) => boolean,
  signal: AbortSignal,
): Promise<boolean> {
  let canary = await api.get<Canary>(canaryRef(namespace, name));
  if (onCanary(canary)) return true;
  const path = resourcePath(resourceOf(flaggerApiVersion, "Canary"), {
    namespace,
  });
  let done = false;
  let deleted = false;
  while (!done && !deleted && !signal.aborted) {
    const inner = new AbortController();
    const stop = () => inner.abort();
    signal.addEventListener("abort", stop, { once: true });
    try {
      await client.watch(
        path,
        {
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: canary.metadata.resourceVersion ?? "",
          timeoutSeconds: 60,
        },
        (event) => {
          if (event.type === "DELETED") {
            deleted = true;
            inner.abort();
            return;
          }
          if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
          canary = event.object as unknown as Canary;
          if (!done && onCanary(canary)) {
            done = true;
            inner.abort();
          }
        },
        inner.signal,
      );
    } catch (error) {
      if (!inner.signal.aborted) throw error;
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }
  if (deleted) throw new Error(`Canary ${namespace}/${name} was deleted`);
  return done;
}
