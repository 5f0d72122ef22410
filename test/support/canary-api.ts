// Reading what users would see: the Canary's status, the RouteTable's weights, Deployments, events.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from "@kubernetes/client-node";
import type { Canary, CanaryStatus } from "../../src/api/canary.ts";

export class CanaryApi {
  private readonly custom;
  readonly apps;
  readonly core;
  readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.namespace = namespace;
  }

  async createCanary(canary: Canary): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: this.namespace,
      plural: "canaries",
      body: canary,
    });
  }

  async status(name = "podinfo"): Promise<CanaryStatus> {
    const canary = (await this.custom.getNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: this.namespace,
      plural: "canaries",
      name,
    })) as Canary;
    return canary.status ?? {};
  }

  /** [primary, canary] weights from the RouteTable on the API server, or undefined if absent. */
  async weights(name = "podinfo"): Promise<[number, number] | undefined> {
    try {
      const table = (await this.custom.getNamespacedCustomObject({
        group: "gateway.solo.io",
        version: "v1",
        namespace: this.namespace,
        plural: "routetables",
        name,
      })) as {
        spec: {
          routes: {
            routeAction: {
              multi: {
                destinations: {
                  weight: number;
                  destination: { upstream: { name: string } };
                }[];
              };
            };
          }[];
        };
      };
      const d = table.spec.routes[0]?.routeAction.multi.destinations ?? [];
      const find = (role: string) =>
        d.find((x) => x.destination.upstream.name.includes(`-${role}upstream-`))
          ?.weight ?? 0;
      return [find("primary"), find("canary")];
    } catch {
      return undefined;
    }
  }

  async image(deployment: string): Promise<string | undefined> {
    const d = await this.apps.readNamespacedDeployment({
      name: deployment,
      namespace: this.namespace,
    });
    return d.spec?.template.spec?.containers[0]?.image;
  }

  async replicas(deployment: string): Promise<number | undefined> {
    const d = await this.apps.readNamespacedDeployment({
      name: deployment,
      namespace: this.namespace,
    });
    return d.spec?.replicas;
  }

  async setImage(deployment: string, image: string): Promise<void> {
    const d = await this.apps.readNamespacedDeployment({
      name: deployment,
      namespace: this.namespace,
    });
    const container = d.spec?.template.spec?.containers[0];
    if (container) container.image = image;
    await this.apps.replaceNamespacedDeployment({
      name: deployment,
      namespace: this.namespace,
      body: d,
    });
  }

  async eventMessages(): Promise<
    { type: string; reason: string; message: string }[]
  > {
    const events = await this.core.listNamespacedEvent({
      namespace: this.namespace,
      fieldSelector: "involvedObject.kind=Canary",
    });
    return events.items.map((e) => ({
      type: e.type ?? "",
      reason: e.reason ?? "",
      message: e.message ?? "",
    }));
  }
}

/** Polls the RouteTable and records each distinct canary weight it goes through, in order. */
export class WeightRecorder {
  readonly seen: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(api: CanaryApi): void {
    const poll = async (): Promise<void> => {
      const w = await api.weights();
      if (w && this.seen[this.seen.length - 1] !== w[1]) this.seen.push(w[1]);
      if (w && w[0] + w[1] !== 100) this.seen.push(Number.NaN); // never a split that does not add up
      this.timer = setTimeout(() => void poll(), 100);
    };
    void poll();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Polls a Canary's status and records each distinct phase it goes through, in order. */
export class PhaseRecorder {
  readonly seen: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(api: CanaryApi, name = "podinfo"): void {
    const poll = async (): Promise<void> => {
      const phase = (await api.status(name).catch(() => ({ phase: undefined })))
        .phase;
      if (phase && this.seen[this.seen.length - 1] !== phase)
        this.seen.push(phase);
      this.timer = setTimeout(() => void poll(), 50);
    };
    void poll();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Merge-patches a Canary's spec (as `kubectl patch --type merge` would). */
export async function patchCanarySpec(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const { PatchStrategy, setHeaderOptions } =
    await import("@kubernetes/client-node");
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    {
      group: "flagger.app",
      version: "v1beta1",
      plural: "canaries",
      namespace,
      name,
      body: { spec },
    },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}
