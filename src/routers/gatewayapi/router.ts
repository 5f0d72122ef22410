// Gateway API: one HTTPRoute (or GRPCRoute for a gRPC service) named after the apex Service, attached to
// spec.service.gatewayRefs with spec.service.hosts, splitting traffic between <apex>-primary and
// <apex>-canary. The API version is a parameter (gatewayapi:v1, gatewayapi:v1beta1). A route that
// already exists is extended, not replaced (merge.ts); only a route Siskin created is owned by the
// Canary and deleted with it.
import { createHash } from "node:crypto";
import type { CanaryStatus } from "../../api/canary.ts";
import type { KubeObject } from "../../kube/api.ts";
import {
  canaryServiceName,
  ownedBy,
  primaryServiceName,
} from "../../workloads/names.ts";
import type { Router, RouterContext, RouterDeps, Weights } from "../types.ts";
import type { Json } from "./matches.ts";
import { filtersAnnotation, isManagedRule, mergeRoute } from "./merge.ts";
import {
  canaryWeightOfRules,
  cookieAttributes,
  managedRules,
  type RouteState,
} from "./rules.ts";

export const gatewayGroup = "gateway.networking.k8s.io";

export interface GatewayApiOptions {
  version: "v1" | "v1beta1";
  /** Mark each backend so the data plane keeps a cluster (and stats) per backend (Envoy Gateway). */
  markBackends: boolean;
}

type Route = KubeObject & {
  metadata: KubeObject["metadata"] & {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: { kind?: string; uid?: string }[];
    resourceVersion?: string;
  };
  spec?: Json;
};

const runPhases = new Set(["Progressing", "WaitingPromotion", "Promoting"]);

/** The session cookie of one run: stable for the Canary and the revision, so a restart sets the same. */
export function affinityCookie(
  cookieName: string,
  uid: string,
  revision: string,
  side: "canary" | "primary" = "canary",
): string {
  const value = createHash("sha256")
    .update(`${uid}/${revision}/${side}`)
    .digest("hex")
    .slice(0, 16);
  return `${cookieName}=${value}`;
}

/** The route's kind for a Canary: GRPCRoute for a gRPC service. */
export const routeKind = (grpc: boolean): "HTTPRoute" | "GRPCRoute" =>
  grpc ? "GRPCRoute" : "HTTPRoute";

function routeState(
  ctx: RouterContext,
  weights: Weights,
  status: CanaryStatus,
  options: GatewayApiOptions,
): RouteState {
  const { canary, spec } = ctx;
  const analysis = canary.spec.analysis;
  const affinity = analysis.sessionAffinity;
  const revision = status.lastAppliedSpec ?? "";
  const uid = canary.metadata.uid ?? "";
  const running = runPhases.has(status.phase ?? "");
  const sticky =
    affinity?.cookieName &&
    spec.strategy === "canary" &&
    running &&
    weights.canaryWeight > 0 &&
    !spec.grpc;
  const ranBefore = (status.history?.runs?.length ?? 0) > 0;
  return {
    primaryService: primaryServiceName(spec.apexName),
    canaryService: canaryServiceName(spec.apexName),
    port: spec.port,
    grpc: spec.grpc,
    strategy: spec.strategy,
    service: canary.spec.service,
    analysisMatch: analysis.match ?? [],
    primaryWeight: weights.primaryWeight,
    canaryWeight: weights.canaryWeight,
    abTest: weights.abTest ?? false,
    cookieAttributes: affinity ? cookieAttributes(affinity) : "",
    ...(sticky
      ? {
          affinity: {
            canaryCookie: affinityCookie(
              affinity.cookieName ?? "",
              uid,
              revision,
            ),
            ...(affinity.primaryCookieName
              ? {
                  primaryCookie: affinityCookie(
                    affinity.primaryCookieName,
                    uid,
                    revision,
                    "primary",
                  ),
                }
              : {}),
            maxAge: affinity.maxAge ?? 86400,
          },
        }
      : affinity?.cookieName &&
          ranBefore &&
          !spec.grpc &&
          weights.canaryWeight === 0
        ? { expireCookie: affinityCookie(affinity.cookieName, uid, revision) }
        : {}),
    ...(analysis.mirror &&
    spec.strategy === "blueGreen" &&
    status.phase === "Progressing" &&
    weights.canaryWeight === 0
      ? {
          mirror: {
            ...(analysis.mirrorWeight
              ? { percent: analysis.mirrorWeight }
              : {}),
          },
        }
      : {}),
    markBackends: options.markBackends,
  };
}

const parentRefsOf = (ctx: RouterContext): Json[] =>
  (ctx.canary.spec.service.gatewayRefs ?? []).map((ref) => ({
    group: ref.group ?? gatewayGroup,
    kind: ref.kind ?? "Gateway",
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.sectionName ? { sectionName: ref.sectionName } : {}),
    ...(ref.port ? { port: ref.port } : {}),
  }));

export function gatewayApiRouter(
  deps: RouterDeps,
  options: GatewayApiOptions,
): Router {
  const apiVersionOf = (grpc: boolean) =>
    // GRPCRoute is served as v1 only.
    `${gatewayGroup}/${grpc ? "v1" : options.version}`;

  function current(ctx: RouterContext): Route | undefined {
    return deps.lookupRoute(
      routeKind(ctx.spec.grpc),
      ctx.canary.metadata.namespace,
      ctx.spec.apexName,
    ) as Route | undefined;
  }

  const services = (apex: string) =>
    new Set([apex, primaryServiceName(apex), canaryServiceName(apex)]);

  function desired(ctx: RouterContext, weights: Weights): Route {
    const { canary, spec } = ctx;
    const ns = canary.metadata.namespace;
    const held = current(ctx);
    const status = ctx.status ?? canary.status ?? {};
    const written = new Set(
      (held?.metadata.annotations?.[filtersAnnotation] ?? "")
        .split(",")
        .filter(Boolean),
    );
    const merged = mergeRoute({
      current: held?.spec,
      written,
      services: services(spec.apexName),
      namespace: ns,
      rules: managedRules(routeState(ctx, weights, status, options)),
      hostnames: canary.spec.service.hosts ?? [],
      parentRefs: parentRefsOf(ctx),
    });
    // Owned (and garbage-collected with the Canary) only when Siskin created it.
    const ours =
      !held ||
      (held.metadata.ownerReferences ?? []).some(
        (o) => o.kind === "Canary" && o.uid === canary.metadata.uid,
      );
    const apex = canary.spec.service.apex;
    return {
      apiVersion: apiVersionOf(spec.grpc),
      kind: routeKind(spec.grpc),
      metadata: {
        name: spec.apexName,
        namespace: ns,
        ...(apex?.labels ? { labels: apex.labels } : {}),
        annotations: {
          ...(apex?.annotations ?? {}),
          [filtersAnnotation]: merged.written.join(","),
        },
        ...(ours ? { ownerReferences: ownedBy(canary) } : {}),
        // A write based on what the cache held: someone else's change in between is a conflict, retried.
        ...(held?.metadata.resourceVersion
          ? { resourceVersion: held.metadata.resourceVersion }
          : {}),
      },
      spec: merged.spec,
    };
  }

  return {
    async setRoutes(ctx, weights) {
      await deps.ensure([desired(ctx, weights)]);
    },
    routedCanaryWeight(ctx) {
      if (ctx.spec.strategy === "abTesting") return undefined;
      return canaryWeightOfRules(
        current(ctx)?.spec?.rules as Json[] | undefined,
        canaryServiceName(ctx.spec.apexName),
      );
    },
    async finalize(ctx) {
      // revertOnDeletion: the route goes on serving, through the apex Service (which now selects the
      // target), and no longer belongs to the Canary, so deleting the Canary does not delete it.
      const held = current(ctx);
      if (!held?.spec) return;
      const { spec, canary } = ctx;
      const ns = canary.metadata.namespace;
      const rules = (held.spec.rules as Json[] | undefined) ?? [];
      const managed = (r: Json) =>
        isManagedRule(r, services(spec.apexName), ns);
      const first = rules.find(managed) ?? {};
      const apexRule: Json = {
        ...(first.matches ? { matches: first.matches } : {}),
        backendRefs: [
          {
            group: "",
            kind: "Service",
            name: spec.apexName,
            port: spec.port,
            weight: 1,
          },
        ],
      };
      await deps.ensure([
        {
          apiVersion: apiVersionOf(spec.grpc),
          kind: routeKind(spec.grpc),
          metadata: {
            name: spec.apexName,
            namespace: ns,
            annotations: { [filtersAnnotation]: "" },
            ownerReferences: [],
            ...(held.metadata.resourceVersion
              ? { resourceVersion: held.metadata.resourceVersion }
              : {}),
          },
          spec: {
            ...held.spec,
            rules: [apexRule, ...rules.filter((r) => !managed(r))],
          },
        } as KubeObject,
      ]);
    },
  };
}
