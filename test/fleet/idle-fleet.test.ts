// An idle fleet is quiet: 100 initialized canaries, then 2 minutes in which no pod is deleted and no
// Deployment or ReplicaSet is written (watched on the API server), and the operator itself sends no
// request at all (its rest_client_requests_total, watches aside, does not move).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V1Deployment } from "@kubernetes/client-node";
import {
  canary,
  createAll,
  deployment,
  fleetMembers,
} from "../../dev/fleet.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { KubeApi } from "../../src/kube/api.ts";
import { KubeClient, type WatchEvent } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
} from "../support/cluster.ts";

const size = 100;
const idleMs = 120_000;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let client: KubeClient;
let api: KubeApi;
let operator: OperatorProcess;

beforeAll(async () => {
  ns = await createTestNamespace("fleet");
  client = new KubeClient(
    loadClusterAccess({ kubeconfig: clusterState().kubeconfig }),
  );
  api = new KubeApi(client);
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: "http://127.0.0.1:9",
    logLevel: "info",
  });
});

afterAll(async () => {
  await operator?.stop();
  client?.close();
  await ns?.dispose();
});

/** Records every change the API server reports for one collection, until aborted. */
function recordChanges(path: string, signal: AbortSignal): WatchEvent[] {
  const seen: WatchEvent[] = [];
  void (async () => {
    const list = await api.client.request<{
      metadata: { resourceVersion: string };
    }>({ method: "GET", path, verb: "LIST" });
    await client.watch(
      path,
      {
        resourceVersion: list.metadata.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 600,
      },
      (event) => {
        if (event.type !== "BOOKMARK") seen.push(event);
      },
      signal,
    );
  })();
  return seen;
}

describe("an idle fleet", () => {
  it(
    `of ${size} canaries deletes no pod, writes no Deployment or ReplicaSet, and sends no request for 2 minutes`,
    { timeout: 600_000 },
    async () => {
      const members = fleetMembers(size, [ns.name]);
      await createAll(api, members.map(deployment));
      operator.start();
      await createAll(
        api,
        members.map((m) => canary(m, "http://127.0.0.1:9")),
      );
      await eventually(
        async () => {
          const list = await api.list<{ status?: { phase?: string } }>({
            apiVersion: "flagger.app/v1beta1",
            kind: "Canary",
            namespace: ns.name,
          });
          return list.items.every((c) => c.status?.phase === "Initialized");
        },
        { timeoutMs: 240_000, intervalMs: 2000, what: "all Initialized" },
      );
      // Idle means nothing left to do: targets scaled down, primaries available.
      await eventually(
        async () => {
          const list = await api.list<V1Deployment>({
            apiVersion: "apps/v1",
            kind: "Deployment",
            namespace: ns.name,
          });
          return list.items.every((d) => {
            const want = d.spec?.replicas ?? 0;
            return (
              (d.status?.replicas ?? 0) === want &&
              (d.status?.availableReplicas ?? 0) === want
            );
          });
        },
        { timeoutMs: 120_000, intervalMs: 2000, what: "workloads settled" },
      );

      // ... and the operator done announcing what it did (its events): no request for one interval.
      let seen = -1;
      let quietSince = Date.now();
      await eventually(
        async () => {
          const now = await operatorRequests();
          if (now !== seen) [seen, quietSince] = [now, Date.now()];
          return Date.now() - quietSince >= 10_000;
        },
        { timeoutMs: 120_000, intervalMs: 1000, what: "the operator quiet" },
      );
      const requestsBefore = await operatorRequests();
      const linesBefore = await requestLines();
      const stop = new AbortController();
      const changes = {
        pods: recordChanges(`/api/v1/namespaces/${ns.name}/pods`, stop.signal),
        deployments: recordChanges(
          `/apis/apps/v1/namespaces/${ns.name}/deployments`,
          stop.signal,
        ),
        replicasets: recordChanges(
          `/apis/apps/v1/namespaces/${ns.name}/replicasets`,
          stop.signal,
        ),
      };
      await new Promise((resolve) => setTimeout(resolve, idleMs)); // the idle window being measured
      stop.abort();
      const requestsAfter = await operatorRequests();

      const summary = (events: WatchEvent[]) =>
        events.map(
          (e) => `${e.type} ${(e.object.metadata as { name?: string }).name}`,
        );
      expect(summary(changes.pods)).toEqual([]);
      expect(summary(changes.deployments)).toEqual([]);
      expect(summary(changes.replicasets)).toEqual([]);
      expect(
        requestsAfter - requestsBefore,
        `requests by verb and code, before and after:\n${linesBefore}\n---\n${await requestLines()}\nevents:\n${await eventLines()}`,
      ).toBe(0);
    },
  );
});

/** The namespace's events, newest last, for a failure message. */
async function eventLines(): Promise<string> {
  const list = await api.list<{
    reason?: string;
    message?: string;
    lastTimestamp?: string;
  }>({ apiVersion: "v1", kind: "Event", namespace: ns.name });
  return list.items
    .map((e) => `${e.lastTimestamp} ${e.reason} ${e.message?.slice(0, 80)}`)
    .sort()
    .slice(-60)
    .join("\n");
}

/** The operator's request counters as /metrics shows them, for a failure message. */
async function requestLines(): Promise<string> {
  const text = await (
    await fetch(`${await operator.httpUrl()}/metrics`)
  ).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("rest_client_requests_total{"))
    .join("\n");
}

/** The operator's API requests so far, watches left out (a watch ending and resuming is not work). */
async function operatorRequests(): Promise<number> {
  const all = await operator.metric("rest_client_requests_total");
  const watches = await operator.metric("rest_client_requests_total", {
    verb: "WATCH",
  });
  return all - watches;
}
