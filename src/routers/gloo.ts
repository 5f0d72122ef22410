// Gloo Edge: two Upstreams (primary, canary) and a RouteTable that splits traffic between them by weight.
// The user's VirtualService delegates to the RouteTable; Siskin never edits the VirtualService.
import type { KubeObject } from "../kube/api.ts";
import {
  canaryServiceName,
  ownedBy,
  primaryServiceName,
} from "../workloads/names.ts";
import { SiskinError } from "../util/errors.ts";
import { abTestRoutes, weightedRoute } from "./gloo-routes.ts";
import type { Router, RouterContext, RouterDeps, Weights } from "./types.ts";

export const upstreamName = (
  ns: string,
  apex: string,
  role: "primary" | "canary",
  port: number,
): string => `${ns}-${apex}-${role}upstream-${port}`;

/** Upstream fields that say where endpoints come from; everything else in upstreamRef is copied. */
const discoveryFields = new Set([
  "kube",
  "static",
  "aws",
  "awsEc2",
  "azure",
  "consul",
  "gcp",
  "pipe",
  "ai",
  "namespacedStatuses",
  "discoveryMetadata",
]);

type Upstream = KubeObject & { spec: Record<string, unknown> };
type RouteTable = KubeObject & {
  spec: { routes: Record<string, unknown>[] };
};

/** The weight a route gives the upstream `canaryUpstream`; undefined when it does not name it. */
function canaryWeightOf(
  route: Record<string, unknown> | undefined,
  canaryUpstream: string,
): number | undefined {
  const multi = (route?.routeAction as { multi?: unknown } | undefined)
    ?.multi as
    | {
        destinations?: {
          weight?: number;
          destination?: { upstream?: { name?: string } };
        }[];
      }
    | undefined;
  const found = multi?.destinations?.find(
    (d) => d.destination?.upstream?.name === canaryUpstream,
  );
  return found ? (found.weight ?? 0) : undefined;
}

export function glooRouter(deps: RouterDeps): Router {
  /** The upstreamRef's settings, from the cache (observe has checked that it exists). */
  function upstreamSettings(ctx: RouterContext): Record<string, unknown> {
    const ref = ctx.canary.spec.upstreamRef;
    if (!ref) return {};
    const namespace = ref.namespace ?? ctx.canary.metadata.namespace;
    const spec = deps.lookupUpstream(namespace, ref.name);
    if (!spec)
      throw new SiskinError(
        "INVALID_SPEC",
        `spec.upstreamRef: Upstream ${namespace}/${ref.name} not found; create it or remove upstreamRef`,
      );
    return Object.fromEntries(
      Object.entries(spec).filter(([k]) => !discoveryFields.has(k)),
    );
  }

  function upstream(
    ctx: RouterContext,
    role: "primary" | "canary",
    settings: Record<string, unknown>,
  ): Upstream {
    const { canary, spec } = ctx;
    const ns = canary.metadata.namespace;
    return {
      apiVersion: "gloo.solo.io/v1",
      kind: "Upstream",
      metadata: {
        name: upstreamName(ns, spec.apexName, role, spec.port),
        namespace: ns,
        ownerReferences: ownedBy(canary),
      },
      spec: {
        ...settings,
        kube: {
          serviceName:
            role === "primary"
              ? primaryServiceName(spec.apexName)
              : canaryServiceName(spec.apexName),
          serviceNamespace: ns,
          servicePort: spec.port,
        },
      },
    };
  }

  function routeTable(ctx: RouterContext, weights: Weights): RouteTable {
    const { canary, spec } = ctx;
    const ns = canary.metadata.namespace;
    const destination = (role: "primary" | "canary", weight: number) => ({
      weight,
      destination: {
        upstream: {
          name: upstreamName(ns, spec.apexName, role, spec.port),
          namespace: ns,
        },
      },
    });
    const primary = destination("primary", weights.primaryWeight);
    const canaryDestination = destination("canary", weights.canaryWeight);
    return {
      apiVersion: "gateway.solo.io/v1",
      kind: "RouteTable",
      metadata: {
        name: spec.apexName,
        namespace: ns,
        ownerReferences: ownedBy(canary),
      },
      spec: {
        routes: weights.abTest
          ? abTestRoutes(spec.match, primary, canaryDestination)
          : [weightedRoute([primary, canaryDestination])],
      },
    };
  }

  return {
    async setRoutes(ctx, weights) {
      const settings = upstreamSettings(ctx);
      // Only what differs from the cache is written: an idle fleet costs no requests.
      await deps.ensure([
        upstream(ctx, "primary", settings),
        upstream(ctx, "canary", settings),
        routeTable(ctx, weights),
      ]);
    },
    routedCanaryWeight(ctx) {
      const ns = ctx.canary.metadata.namespace;
      const spec = deps.lookupRouteTable(ns, ctx.spec.apexName) as
        RouteTable["spec"] | undefined;
      // One route is the weighted split; several are an A/B test, whose weights say nothing of a step.
      if (spec?.routes?.length !== 1) return undefined;
      return canaryWeightOf(
        spec.routes[0],
        upstreamName(ns, ctx.spec.apexName, "canary", ctx.spec.port),
      );
    },
    async finalize(ctx) {
      const ns = ctx.canary.metadata.namespace;
      await deps.remove({
        apiVersion: "gateway.solo.io/v1",
        kind: "RouteTable",
        metadata: { name: ctx.spec.apexName, namespace: ns },
      });
      for (const role of ["primary", "canary"] as const) {
        await deps.remove({
          apiVersion: "gloo.solo.io/v1",
          kind: "Upstream",
          metadata: {
            name: upstreamName(ns, ctx.spec.apexName, role, ctx.spec.port),
            namespace: ns,
          },
        });
      }
    },
  };
}
