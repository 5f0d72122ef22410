// Namespaced informers for the simulators, on the operator's resilient informer.
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { pino } from "pino";
import { ResilientInformer } from "../../src/kube/informer.ts";
import { systemClock } from "../../src/util/clock.ts";

const quiet = pino({ level: "silent" });

/** An informer on a custom resource in one namespace. */
export function customInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  resource: { group: string; version: string; plural: string },
  namespace: string,
  onChange: () => void = () => undefined,
): ResilientInformer<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return new ResilientInformer<T>({
    kc,
    clock: systemClock,
    logger: quiet,
    path: `/apis/${resource.group}/${resource.version}/namespaces/${namespace}/${resource.plural}`,
    list: async () =>
      (await custom.listNamespacedCustomObject({
        ...resource,
        namespace,
      })) as KubernetesListObject<T>,
    onEvent: onChange,
  });
}

export function informer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
): ResilientInformer<T> {
  return new ResilientInformer<T>({
    kc,
    clock: systemClock,
    logger: quiet,
    path,
    list,
    onEvent: () => undefined,
  });
}
