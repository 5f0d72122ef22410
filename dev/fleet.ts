// A fleet for the fleet benchmark and the idle-fleet test: N podinfo-like Deployments with a Canary
// each (interval 10s, built-in Gloo metrics), spread over namespaces, and B unrelated 8 KiB ConfigMaps
// and Secrets beside them.
import type { Canary } from "../src/api/canary.ts";
import type { KubeApi } from "../src/kube/api.ts";

export const fleetInterval = "10s";
export const fleetIntervalMs = 10_000;
/** Weights of a fleet canary's run: 10, 20, ..., 50, then promotion. */
export const fleetWeights = [10, 20, 30, 40, 50];

export interface FleetMember {
  namespace: string;
  name: string;
}

/** `count` members spread over `namespaces` (default: fleet-00.., 50 per namespace, at most 10). */
export function fleetMembers(
  count: number,
  namespaces: string[] = Array.from(
    { length: Math.min(10, Math.max(1, Math.ceil(count / 50))) },
    (_, i) => `fleet-${String(i).padStart(2, "0")}`,
  ),
): FleetMember[] {
  return Array.from({ length: count }, (_, i) => ({
    namespace: namespaces[i % namespaces.length] ?? "default",
    name: `app-${String(i).padStart(4, "0")}`,
  }));
}

export const image = (tag: string) => `ghcr.io/stefanprodan/podinfo:${tag}`;

export function deployment(m: FleetMember) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: m.name, namespace: m.namespace, labels: { app: m.name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: m.name } },
      template: {
        metadata: { labels: { app: m.name } },
        spec: {
          containers: [
            {
              name: "podinfod",
              image: image("6.0.0"),
              ports: [{ name: "http", containerPort: 9898 }],
            },
          ],
        },
      },
    },
  };
}

export function canary(m: FleetMember, metricsServer: string): Canary {
  return {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    metadata: { name: m.name, namespace: m.namespace },
    spec: {
      provider: "gloo",
      metricsServer,
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: m.name },
      service: { port: 9898 },
      analysis: {
        interval: fleetInterval,
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [
          {
            name: "request-success-rate",
            thresholdRange: { min: 99 },
            interval: "1m",
          },
          {
            name: "request-duration",
            thresholdRange: { max: 500 },
            interval: "1m",
          },
        ],
      },
    },
  };
}

/** B objects of 8 KiB each, half ConfigMaps, half Secrets, that no Canary uses. */
export function unrelatedObjects(count: number, namespaces: string[]) {
  const blob = "x".repeat(8 * 1024);
  return Array.from({ length: count }, (_, i) => {
    const namespace = namespaces[i % namespaces.length] ?? "default";
    const name = `unrelated-${String(i).padStart(5, "0")}`;
    return i % 2 === 0
      ? {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace },
          data: { blob },
        }
      : {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace },
          type: "Opaque",
          stringData: { blob },
        };
  });
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inParallel<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** Creates objects, tolerating ones that already exist (a re-run on the same cluster). */
export async function createAll(
  api: KubeApi,
  objects: { apiVersion?: string; kind?: string; metadata: object }[],
  concurrency = 32,
): Promise<void> {
  await inParallel(objects, concurrency, async (o) => {
    try {
      await api.create(o as never);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  });
}

/** `kubectl set image` for one fleet member: a JSON patch of the container image. */
export async function setImage(
  api: KubeApi,
  m: FleetMember,
  tag: string,
): Promise<void> {
  await api.patch(
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: m.namespace,
      name: m.name,
    },
    [
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/image",
        value: image(tag),
      },
    ],
    "json",
  );
}
