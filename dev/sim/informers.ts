// Namespaced caches for the simulators, on the operator's own reflector and client.
import type { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { KubeClient } from "../../src/kube/client/http.ts";
import { clusterAccessFromText } from "../../src/kube/client/kubeconfig.ts";
import { Reflector, type StoredObject } from "../../src/kube/reflector.ts";
import { systemClock } from "../../src/util/clock.ts";

const quiet = pino({ level: "silent" });
const clients = new WeakMap<KubeConfig, KubeClient>();

/** One pooled client per KubeConfig. */
export function clientOf(kc: KubeConfig): KubeClient {
  let client = clients.get(kc);
  if (!client)
    clients.set(
      kc,
      (client = new KubeClient(clusterAccessFromText(kc.exportConfig()))),
    );
  return client;
}

/** A cache of a custom resource in one namespace. */
export function customInformer<T extends StoredObject>(
  kc: KubeConfig,
  resource: { group: string; version: string; plural: string },
  namespace: string,
  onChange: () => void = () => undefined,
): Reflector<T> {
  const reflector = informer<T>(
    kc,
    `/apis/${resource.group}/${resource.version}/namespaces/${namespace}/${resource.plural}`,
  );
  reflector.on(onChange);
  return reflector;
}

export function informer<T extends StoredObject>(
  kc: KubeConfig,
  path: string,
): Reflector<T> {
  return new Reflector<T>({
    client: clientOf(kc),
    clock: systemClock,
    logger: quiet,
    path,
  });
}
