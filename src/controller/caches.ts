// Informer caches for Canaries and what they reference. Reads during reconcile come from here; each
// change to a dependency queues the keys of the Canaries that use it (watch, don't poll).
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
  type V1Secret,
  type V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import { ResilientInformer } from "../kube/informer.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { primaryName } from "../workloads/names.ts";

/** A namespaced flagger.app object (MetricTemplate, AlertProvider); its spec is read where used. */
export type FlaggerObject = KubernetesObject & {
  metadata: { name: string; namespace: string };
};

export interface Caches {
  canaries: ResilientInformer<Canary & KubernetesObject>;
  metricTemplates: ResilientInformer<FlaggerObject>;
  alertProviders: ResilientInformer<FlaggerObject>;
  deployments: ResilientInformer<V1Deployment>;
  hpas: ResilientInformer<V2HorizontalPodAutoscaler>;
  configMaps: ResilientInformer<V1ConfigMap>;
  secrets: ResilientInformer<V1Secret>;
  start(): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
}

export const canaryKey = (namespace: string, name: string): string =>
  `${namespace}/${name}`;

export interface CacheOptions {
  kc: KubeConfig;
  clock: Clock;
  logger: Logger;
  /** Watch one namespace only (--namespace), or all. */
  namespace?: string;
  /** Called with the key of each Canary affected by a change. */
  enqueue: (key: string, reason: string) => void;
}

export function createCaches(options: CacheOptions): Caches {
  const { kc, namespace: ns } = options;
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const scoped = (group: string, resource: string): string =>
    ns ? `${group}/namespaces/${ns}/${resource}` : `${group}/${resource}`;
  const base = { kc, clock: options.clock, logger: options.logger };

  const listFlagger = async <T extends KubernetesObject>(
    plural: string,
  ): Promise<KubernetesListObject<T>> => {
    const group = { group: "flagger.app", version: "v1beta1", plural };
    return (await (ns
      ? custom.listNamespacedCustomObject({ ...group, namespace: ns })
      : custom.listClusterCustomObject(group))) as KubernetesListObject<T>;
  };

  const canariesUsing = (
    namespace: string,
    uses: (canary: Canary) => boolean,
    reason: string,
  ): void => {
    for (const canary of canaries.list(namespace)) {
      if (uses(canary))
        options.enqueue(canaryKey(namespace, canary.metadata.name), reason);
    }
  };

  const canaries = new ResilientInformer<Canary & KubernetesObject>({
    ...base,
    path: scoped("/apis/flagger.app/v1beta1", "canaries"),
    list: () => listFlagger<Canary & KubernetesObject>("canaries"),
    onEvent: (canary, verb) =>
      options.enqueue(
        canaryKey(canary.metadata.namespace, canary.metadata.name),
        `canary ${verb}`,
      ),
  });

  const deployments = new ResilientInformer<V1Deployment>({
    ...base,
    path: scoped("/apis/apps/v1", "deployments"),
    list: () =>
      ns
        ? apps.listNamespacedDeployment({ namespace: ns })
        : apps.listDeploymentForAllNamespaces(),
    onEvent: (d) => {
      const name = d.metadata?.name ?? "";
      canariesUsing(
        d.metadata?.namespace ?? "",
        (c) =>
          c.spec.targetRef.name === name ||
          primaryName(c.spec.targetRef.name) === name,
        `deployment ${name} changed`,
      );
    },
  });

  const hpas = new ResilientInformer<V2HorizontalPodAutoscaler>({
    ...base,
    path: scoped("/apis/autoscaling/v2", "horizontalpodautoscalers"),
    list: () =>
      ns
        ? autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns })
        : autoscaling.listHorizontalPodAutoscalerForAllNamespaces(),
    onEvent: (h) => {
      const name = h.metadata?.name ?? "";
      canariesUsing(
        h.metadata?.namespace ?? "",
        (c) => c.spec.autoscalerRef?.name === name,
        `hpa ${name} changed`,
      );
    },
  });

  // Any Canary in the namespace may mount a ConfigMap or Secret; the reconcile works out which do.
  const anyCanary = (o: KubernetesObject, what: string) =>
    canariesUsing(
      o.metadata?.namespace ?? "",
      () => true,
      `${what} ${o.metadata?.name} changed`,
    );
  const configMaps = new ResilientInformer<V1ConfigMap>({
    ...base,
    path: scoped("/api/v1", "configmaps"),
    list: () =>
      ns
        ? core.listNamespacedConfigMap({ namespace: ns })
        : core.listConfigMapForAllNamespaces(),
    onEvent: (o) => anyCanary(o, "configmap"),
  });
  const secrets = new ResilientInformer<V1Secret>({
    ...base,
    path: scoped("/api/v1", "secrets"),
    list: () =>
      ns
        ? core.listNamespacedSecret({ namespace: ns })
        : core.listSecretForAllNamespaces(),
    onEvent: (o) => anyCanary(o, "secret"),
  });

  const metricTemplates = new ResilientInformer<FlaggerObject>({
    ...base,
    path: scoped("/apis/flagger.app/v1beta1", "metrictemplates"),
    list: () => listFlagger<FlaggerObject>("metrictemplates"),
    onEvent: (t) => anyCanary(t, "metrictemplate"),
  });
  // AlertProviders are read when a notification is sent; no reconcile depends on them.
  const alertProviders = new ResilientInformer<FlaggerObject>({
    ...base,
    path: scoped("/apis/flagger.app/v1beta1", "alertproviders"),
    list: () => listFlagger<FlaggerObject>("alertproviders"),
    onEvent: () => undefined,
  });

  const all = [
    deployments,
    hpas,
    configMaps,
    secrets,
    metricTemplates,
    alertProviders,
    canaries,
  ];
  return {
    canaries,
    metricTemplates,
    alertProviders,
    deployments,
    hpas,
    configMaps,
    secrets,
    // Dependencies first, so the first Canary events find their targets in the caches.
    start: async () => {
      await Promise.all(all.slice(0, -1).map((i) => i.start()));
      await canaries.start();
    },
    stop: async () => {
      await Promise.all(all.map((i) => i.stop()));
    },
    synced: () => all.every((i) => i.synced()),
  };
}
