// Vitest global setup for the cluster project: one local control plane per test run, shared by all
// test files (each test works in a namespace of its own, see test/support/namespace.ts).
import type { TestProject } from "vitest/node";
import { signalGroup } from "../../dev/cluster/process.ts";
import { startCluster, type ClusterState } from "../../dev/cluster/cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: ClusterState;
  }
}

export default async function setup(
  project: TestProject,
): Promise<() => Promise<void>> {
  const log = (message: string): void =>
    void process.stderr.write(`[cluster] ${message}\n`);
  const cluster = await startCluster({ log });
  // If vitest dies without running teardown, do not leave a control plane behind.
  const killAll = (): void =>
    cluster.components.forEach(
      (c) => c.child.pid && signalGroup(c.child.pid, "SIGKILL"),
    );
  process.once("exit", killAll);
  project.provide("cluster", cluster.state);
  return async () => {
    process.removeListener("exit", killAll);
    await cluster.stop({
      removeDir: process.env.SISKIN_KEEP_CLUSTER_DIR !== "1",
    });
  };
}
