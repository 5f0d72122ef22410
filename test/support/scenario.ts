// One scenario's world: its own namespace and its own operator process watching only that namespace.
import { AutoscalingV2Api } from "@kubernetes/client-node";
import type { Canary } from "../../src/api/canary.ts";
import { podinfoDeployment, podinfoHpa } from "../fixtures/podinfo.ts";
import { CanaryApi } from "./canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "./cluster.ts";
import {
  OperatorProcess,
  type OperatorOptions,
} from "../../dev/services/operator.ts";

export interface Scenario {
  ns: string;
  api: CanaryApi;
  operator: OperatorProcess;
  waitForPhase(phase: string, timeoutMs?: number, name?: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function startScenario(
  prefix: string,
  metricsServer = "http://127.0.0.1:9",
  operatorOptions: Partial<OperatorOptions> = {},
): Promise<Scenario> {
  const namespace = await createTestNamespace(prefix);
  const api = new CanaryApi(kubeConfig(), namespace.name);
  const operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: namespace.name,
    metricsServer,
    ...operatorOptions,
  });
  operator.start();
  return {
    ns: namespace.name,
    api,
    operator,
    waitForPhase: async (phase, timeoutMs = 60_000, name = "podinfo") => {
      let last: { phase?: string; message?: string } = {};
      await eventually(
        async () => (last = await api.status(name)).phase === phase,
        {
          timeoutMs,
          what: () =>
            `canary ${name} phase ${phase}; it is ${last.phase}: ${last.message} (operator log:\n${operator.logTail(8)})`,
        },
      );
    },
    dispose: async () => {
      await operator.stop();
      await namespace.dispose();
    },
  };
}

/** podinfo (2 replicas), its HPA and a Canary built by `canary`, then waits for Initialized. */
export async function initializePodinfo(
  s: Scenario,
  canary: Canary,
  withHpa = false,
): Promise<void> {
  await s.api.apps.createNamespacedDeployment({
    namespace: s.ns,
    body: podinfoDeployment(s.ns),
  });
  if (withHpa) {
    await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .createNamespacedHorizontalPodAutoscaler({
        namespace: s.ns,
        body: podinfoHpa(s.ns),
      });
  } else {
    delete canary.spec.autoscalerRef;
  }
  await s.api.createCanary(canary);
  await s.waitForPhase("Initialized");
}

/**
 * Wakes the Canary with a change it watches (a label on its target) and waits until the operator has
 * reconciled it: a signal that it looked, where a test proves that nothing more happens.
 */
export async function aReconcileLater(
  s: Scenario,
  what: string,
): Promise<void> {
  const reconciles = () =>
    s.operator.metric("controller_runtime_reconcile_total");
  const before = await reconciles();
  await s.api.patchDeployment("podinfo", [
    { op: "add", path: "/metadata/labels/poke", value: String(before) },
  ]);
  await eventually(async () => (await reconciles()) > before, { what });
}
