// The Lease the leader election reads and writes, over a client of its own: its own connections and
// its own small rate-limit budget, so a renewal never queues behind reconcile traffic in the shared
// limiter or waits for a socket the shared pool has given to a hanging call (client-go's leader
// election has its own client for the same reason). Every call takes an abort signal: an attempt ends
// at the renew deadline however the network behaves.
import type { V1Lease } from "@kubernetes/client-node";
import type { KubeClient } from "./client/http.ts";
import { statusCodeOf } from "./client/errors.ts";

export interface LeaseStore {
  /** The Lease, or undefined when it does not exist yet. */
  read(signal: AbortSignal): Promise<V1Lease | undefined>;
  create(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
  /** Optimistic: the lease's resourceVersion must still be current (409 otherwise). */
  replace(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
}

export function kubeLeaseStore(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
): LeaseStore {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const one = `${base}/${encodeURIComponent(name)}`;
  return {
    async read(signal) {
      try {
        return await client.request<V1Lease>({
          method: "GET",
          path: one,
          signal,
          timeoutMs,
        });
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    create: (lease, signal) =>
      client.request<V1Lease>({
        method: "POST",
        path: base,
        body: lease,
        signal,
        timeoutMs,
      }),
    replace: (lease, signal) =>
      client.request<V1Lease>({
        method: "PUT",
        path: one,
        body: lease,
        signal,
        timeoutMs,
      }),
  };
}
