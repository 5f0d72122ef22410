// Vitest global setup for the cluster project: one local control plane per test run, shared by all
// test files (each test works in a namespace of its own, see test/support/namespace.ts).
import type { TestProject } from "vitest/node";
import { signalGroup } from "../../dev/cluster/process.ts";
import { auditLog } from "../../dev/cluster/audit.ts";
import { startCluster, type ClusterState } from "../../dev/cluster/cluster.ts";
import { auditedNamespace } from "../support/audited.ts";

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
  // Every write of a router's objects is recorded (who wrote what, in order), so tests can check the
  // sequence of weights each gateway carried, which a watch cannot promise.
  // Every write in the namespace auditedNamespace is recorded too (who, when), for tests that must
  // prove whose writes landed in what order (leader election).
  const audit = auditLog([
    ...[
      "gateway.solo.io/routetables",
      "gateway.networking.k8s.io/httproutes",
      "gateway.networking.k8s.io/grpcroutes",
    ].map((resource) => {
      const [group = "", plural = ""] = resource.split("/");
      return {
        level: "RequestResponse" as const,
        verbs: ["create", "update", "patch"],
        resources: { group, resources: [plural] },
      };
    }),
    {
      level: "Metadata",
      verbs: ["create", "update", "patch", "delete"],
      namespaces: [auditedNamespace],
    },
  ]);
  const cluster = await startCluster({
    log,
    apiserverArgs: audit.apiserverArgs,
  });
  cluster.state.auditLogPath = audit.path;
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
