// A watch on a dead connection is noticed: the operator's API traffic goes through a proxy that can
// silence the watches open at a moment (a half-open connection: nothing arrives, nothing ends). With
// --watch-idle-timeout=4s the operator takes each silent watch for dead, starts it again from its
// resource version, and reacts to a `kubectl set image` made while its watches were silent. Before,
// a silent watch was noticed only at its request timeout (up to 11 minutes).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { WatchFreezer } from "../../dev/sim/watch-freezer.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { initializePodinfo } from "../support/scenario.ts";

let proxy: WatchFreezer | undefined;
let operator: OperatorProcess | undefined;
let dispose: (() => Promise<void>) | undefined;
afterAll(async () => {
  await operator?.stop();
  await proxy?.stop();
  await dispose?.();
});

/** A kubeconfig that reaches the API server through the proxy, with the cluster's token. */
function kubeconfigFor(url: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "siskin-watch-")), "config");
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "proxy", cluster: { server: url } }],
      users: [{ name: "admin", user: { token: clusterState().token } }],
      contexts: [
        { name: "proxy", context: { cluster: "proxy", user: "admin" } },
      ],
      "current-context": "proxy",
    }),
  );
  return path;
}

describe("dead watches", () => {
  it("a silent watch is restarted within the idle timeout and the change made meanwhile is seen", async () => {
    const namespace = await createTestNamespace("deadwatch");
    dispose = namespace.dispose;
    const ns = namespace.name;
    const state = clusterState();
    proxy = await new WatchFreezer(state.server, state.caFile).start();
    operator = new OperatorProcess({
      kubeconfig: kubeconfigFor(proxy.url),
      namespace: ns,
      metricsServer: "http://127.0.0.1:9",
      extraArgs: ["--watch-idle-timeout=4s"],
    });
    operator.start();
    const api = new CanaryApi(kubeConfig(), ns);
    await initializePodinfo(
      {
        ns,
        api,
        operator,
        waitForPhase: async (phase) =>
          void (await eventually(
            async () => (await api.status()).phase === phase,
            { what: `phase ${phase}` },
          )),
        dispose: async () => undefined,
      },
      podinfoCanary(ns, {
        interval: "1s",
        stepWeight: 10,
        maxWeight: 30,
        metrics: [],
      }),
    );
    const frozen = proxy.freezeWatches();
    expect(frozen).toBeGreaterThanOrEqual(5);
    const deploymentWatches = () =>
      proxy?.watchesStarted.filter((p) => p.endsWith("/deployments")).length ??
      0;
    const before = deploymentWatches();
    const changedAt = Date.now();
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => (await api.status()).phase === "Progressing", {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: "the operator to see the new image through a new watch",
    });
    const tookMs = Date.now() - changedAt;
    process.stdout.write(
      `dead watch: ${frozen} watches silenced; the change was seen after ${tookMs} ms (idle timeout 4 s)\n`,
    );
    expect(deploymentWatches()).toBeGreaterThan(before);
    // The idle timeout, the first backoff (0.5 s +-50 %) and a reconcile: well under 10 s.
    expect(tookMs).toBeLessThan(10_000);
    expect(operator.logTail(10_000)).toContain(
      "the connection is taken for dead",
    );
  });
});
