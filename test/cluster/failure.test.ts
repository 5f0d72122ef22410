// A broken control plane must fail loudly, naming the component, instead of hanging a test run.
// These tests start clusters of their own (without CRDs, to keep them short) so the shared one is untouched.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  assertComponentsAlive,
  startCluster,
} from "../../dev/cluster/cluster.ts";
import { isAlive } from "../../dev/cluster/process.ts";
import { clusterState } from "../support/cluster.ts";

describe("local cluster failures", () => {
  it("fails the start naming a component that dies before it is ready", async () => {
    const started = Date.now();
    const pids: number[] = [];
    const attempt = startCluster({
      binDir: clusterState().binDir,
      crds: [],
      onComponentStarted: (component) => {
        pids.push(component.pid);
        if (component.name === "kube-scheduler")
          component.child.kill("SIGKILL");
      },
    });
    await expect(attempt).rejects.toThrow(
      /^kube-scheduler: kube-scheduler was killed by SIGKILL while waiting/,
    );
    await expect(attempt).rejects.toThrow(
      /--- last lines of .*kube-scheduler\.log ---/,
    );
    // Fails fast (the scheduler's own ready timeout is 40 s) and stops what it had started.
    expect(Date.now() - started).toBeLessThan(35_000);
    expect(pids).toHaveLength(5);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("reports a component killed after start by name, and stops the rest cleanly", async () => {
    const cluster = await startCluster({
      binDir: clusterState().binDir,
      crds: [],
    });
    try {
      cluster.assertHealthy();
      const controllerManager = cluster.components.find(
        (c) => c.name === "kube-controller-manager",
      );
      controllerManager?.child.kill("SIGKILL");
      await new Promise((resolve) =>
        controllerManager?.child.once("exit", resolve),
      );
      expect(() => assertComponentsAlive(cluster.state)).toThrow(
        /^kube-controller-manager: is no longer running\n--- last lines of /,
      );
    } finally {
      await cluster.stop({ removeDir: true });
    }
    for (const component of cluster.state.components)
      expect(isAlive(component.pid)).toBe(false);
    expect(existsSync(cluster.state.dir)).toBe(false);
  });
});
