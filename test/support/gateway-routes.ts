// Gateway API routes on the test cluster: read them back, and edit them as a user or another tool would
// (an update under another field manager), for the tests of the Gateway API router.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { gatewayRouteWeights } from "../../dev/route-weights.ts";

export type Json = Record<string, unknown>;
export interface GatewayRoute {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    ownerReferences?: Json[];
  };
  spec: { parentRefs?: Json[]; hostnames?: string[]; rules: Json[] };
}

export class RouteApi {
  private readonly custom;
  readonly namespace: string;
  readonly plural: "httproutes" | "grpcroutes";

  constructor(
    kc: KubeConfig,
    namespace: string,
    plural: "httproutes" | "grpcroutes" = "httproutes",
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.namespace = namespace;
    this.plural = plural;
  }

  private readonly where = () => ({
    group: "gateway.networking.k8s.io",
    version: "v1",
    namespace: this.namespace,
    plural: this.plural,
  });

  async get(name = "podinfo"): Promise<GatewayRoute> {
    return (await this.custom.getNamespacedCustomObject({
      ...this.where(),
      name,
    })) as GatewayRoute;
  }

  async weights(name = "podinfo"): Promise<[number, number] | undefined> {
    try {
      return gatewayRouteWeights(await this.get(name));
    } catch {
      return undefined;
    }
  }

  /** Changes the route as a user would (kubectl edit: a whole update, conflicts retried). */
  async edit(
    change: (route: GatewayRoute) => void,
    name = "podinfo",
  ): Promise<GatewayRoute> {
    for (let attempt = 0; ; attempt++) {
      const route = await this.get(name);
      change(route);
      try {
        return (await this.custom.replaceNamespacedCustomObject({
          ...this.where(),
          name,
          body: route,
          fieldManager: "kubectl-edit",
        })) as GatewayRoute;
      } catch (error) {
        if (attempt > 5 || (error as { code?: number }).code !== 409)
          throw error;
      }
    }
  }

  async create(route: GatewayRoute): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      ...this.where(),
      body: route,
    });
  }
}

export const ruleNamed = (
  route: GatewayRoute,
  name: string,
): Json | undefined => route.spec.rules.find((r) => r.name === name);
