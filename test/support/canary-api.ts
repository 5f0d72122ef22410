// Reading what users would see: the Canary's status, the RouteTable's weights, Deployments, events.
import {
  gatewayRouteWeights,
  routeWeights,
  type GatewayRouteLike,
  type RouteTableLike,
} from "../../dev/route-weights.ts";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
} from "@kubernetes/client-node";
import type { Canary, CanaryStatus } from "../../src/api/canary.ts";

/** The phases of a run that ends in promotion, in order. */
export const promotedRun = [
  "Initialized",
  "Progressing",
  "Promoting",
  "Finalising",
  "Succeeded",
];

const canaries = {
  group: "flagger.app",
  version: "v1beta1",
  plural: "canaries",
};

export class CanaryApi {
  private readonly custom;
  readonly apps;
  readonly core;
  readonly namespace: string;
  readonly kc: KubeConfig;

  constructor(kc: KubeConfig, namespace: string) {
    this.kc = kc;
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

  async deleteCanary(name = "podinfo"): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      ...canaries,
      namespace: this.namespace,
      name,
    });
  }

  async canary(name = "podinfo"): Promise<Canary> {
    return (await this.custom.getNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: this.namespace,
      plural: "canaries",
      name,
    })) as Canary;
  }

  async status(name = "podinfo"): Promise<CanaryStatus> {
    return (await this.canary(name)).status ?? {};
  }

  /** [primary, canary] weights from the RouteTable on the API server, or undefined if absent. */
  async weights(name = "podinfo"): Promise<[number, number] | undefined> {
    try {
      const table = await this.custom.getNamespacedCustomObject({
        group: "gateway.solo.io",
        version: "v1",
        namespace: this.namespace,
        plural: "routetables",
        name,
      });
      return routeWeights(table as RouteTableLike);
    } catch {
      return undefined;
    }
  }

  /**
   * Waits (up to 5 s) for the RouteTable to hold `expected`: the operator writes the routes right after
   * the status, so a test that has just seen a phase may read the RouteTable a moment early.
   */
  async routedTo(expected: [number, number], name = "podinfo"): Promise<void> {
    const deadline = Date.now() + 5000;
    let last = await this.weights(name);
    while (JSON.stringify(last) !== JSON.stringify(expected)) {
      if (Date.now() > deadline)
        throw new Error(
          `RouteTable ${this.namespace}/${name} routes ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = await this.weights(name);
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

  /** As `kubectl set image` does: a patch, so concurrent writers (operator, controllers) never conflict. */
  async setImage(deployment: string, image: string): Promise<void> {
    await this.patchDeployment(deployment, [
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/image",
        value: image,
      },
    ]);
  }

  /** A JSON patch (RFC 6902) of a Deployment, without a resourceVersion guard. */
  async patchDeployment(
    name: string,
    operations: { op: string; path: string; value: unknown }[],
  ): Promise<void> {
    await this.apps.patchNamespacedDeployment(
      { name, namespace: this.namespace, body: operations },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
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

/** Where a router's weights live: a Gloo RouteTable, or a Gateway API HTTPRoute or GRPCRoute. */
export type RouteKind = "RouteTable" | "HTTPRoute" | "GRPCRoute";

const routePaths: Record<RouteKind, string> = {
  RouteTable: "/apis/gateway.solo.io/v1/namespaces/NS/routetables",
  HTTPRoute: "/apis/gateway.networking.k8s.io/v1/namespaces/NS/httproutes",
  GRPCRoute: "/apis/gateway.networking.k8s.io/v1/namespaces/NS/grpcroutes",
};

/** Watches the router's object and records each distinct canary weight it goes through, in order. */
export class WeightRecorder {
  readonly seen: number[] = [];
  /** When each weight in `seen` was first seen (ms since the epoch, this process's clock). */
  readonly at: number[] = [];
  private request: { abort(): void } | undefined;
  private readonly kind: RouteKind;

  constructor(kind: RouteKind = "RouteTable") {
    this.kind = kind;
  }

  async start(api: CanaryApi, name = "podinfo"): Promise<void> {
    this.request = await new Watch(api.kc).watch(
      routePaths[this.kind].replace("NS", api.namespace),
      { fieldSelector: `metadata.name=${name}` },
      (_type: string, object: RouteTableLike & GatewayRouteLike) => {
        const w =
          this.kind === "RouteTable"
            ? routeWeights(object)
            : gatewayRouteWeights(object);
        if (this.seen[this.seen.length - 1] !== w[1]) {
          this.seen.push(w[1]);
          this.at.push(Date.now());
        }
        if (w[0] + w[1] !== 100) this.seen.push(Number.NaN); // never a split that does not add up
      },
      () => undefined,
    );
  }

  stop(): void {
    this.request?.abort();
  }
}

/**
 * Watches a Canary and records each distinct phase it goes through, in order. A watch delivers every
 * status write, so phases shorter than any polling interval are still seen.
 */
export class PhaseRecorder {
  readonly seen: string[] = [];
  private request: { abort(): void } | undefined;

  async start(api: CanaryApi, name = "podinfo"): Promise<void> {
    const watch = new Watch(api.kc);
    this.request = await watch.watch(
      `/apis/flagger.app/v1beta1/namespaces/${api.namespace}/canaries`,
      { fieldSelector: `metadata.name=${name}` },
      (_type: string, canary: Canary) => {
        const phase = canary.status?.phase;
        if (phase && this.seen[this.seen.length - 1] !== phase)
          this.seen.push(phase);
      },
      () => undefined,
    );
  }

  stop(): void {
    this.request?.abort();
  }

  /** Stops once the watch itself has delivered `phase` (a poll may see it a moment earlier). */
  async stopAfter(phase: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.seen[this.seen.length - 1] !== phase && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.stop();
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
