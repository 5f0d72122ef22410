// One connection pool for every API call and watch: 100 server-side applies and two watches open a
// handful of TCP connections to the API server, not one each. Counted from Node's own
// net.client.socket channel (every client socket the process creates), not from the client's code.
// The control shows the test can fail: client-node 2.0.1's generated client opens one per call.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { CoreV1Api } from "@kubernetes/client-node";
import { KubeApi } from "../../src/kube/api.ts";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import { kubeObjectWriter } from "../../src/kube/objects.ts";
import { Reflector } from "../../src/kube/reflector.ts";
import { systemClock } from "../../src/util/clock.ts";
import {
  clusterState,
  createTestNamespace,
  kubeConfig,
} from "../support/cluster.ts";

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const apiserverPort = () => Number(new URL(clusterState().server).port);

/** Sockets this process opens to the API server while `work` runs. */
async function socketsOpenedDuring(work: () => Promise<void>): Promise<number> {
  let opened = 0;
  const port = apiserverPort();
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket;
    // The port is known once the socket connects; count then.
    socket.once("connect", () => {
      if (socket.remotePort === port) opened++;
    });
  };
  subscribe("net.client.socket", onSocket);
  try {
    await work();
  } finally {
    unsubscribe("net.client.socket", onSocket);
  }
  return opened;
}

beforeAll(async () => {
  ns = await createTestNamespace("conn");
});
afterAll(async () => {
  await ns?.dispose();
});

describe("one connection pool", () => {
  it("100 applies and two watches open a handful of connections", async () => {
    const client = new KubeClient(
      loadClusterAccess({ kubeconfig: clusterState().kubeconfig }),
    );
    const writer = kubeObjectWriter(new KubeApi(client));
    const watches = ["configmaps", "secrets"].map(
      (plural) =>
        new Reflector({
          client,
          clock: systemClock,
          logger: pino({ level: "silent" }),
          path: `/api/v1/namespaces/${ns.name}/${plural}`,
          metadataOnly: true,
        }),
    );
    const opened = await socketsOpenedDuring(async () => {
      await Promise.all(watches.map((w) => w.start()));
      for (let i = 0; i < 100; i++)
        await writer.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `pooled-${i}`, namespace: ns.name },
          data: { n: String(i) },
        });
    });
    await Promise.all(watches.map((w) => w.stop()));
    client.close();
    // The 100 ConfigMaps are on the server, and the watches saw them.
    expect(watches[0]?.list(ns.name).length).toBeGreaterThanOrEqual(100);
    // Each watch holds a connection of its own while it streams; the two lists ran beside them and
    // the 100 applies reused one connection: about five in all, never one per call.
    expect(opened).toBeLessThanOrEqual(6);
  });

  it("control: client-node 2.0.1's generated client opens a connection per call", async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const opened = await socketsOpenedDuring(async () => {
      for (let i = 0; i < 20; i++) await core.readNamespace({ name: ns.name });
    });
    expect(opened).toBeGreaterThanOrEqual(15);
  });
});
