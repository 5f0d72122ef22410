import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { KubeObject } from "../kube/api.ts";
import type { ResolvedSpec } from "../api/resolve.ts";

/** Absolute weights; primary + canary = 100. */
export interface Weights {
  primaryWeight: number;
  canaryWeight: number;
  /** A/B testing: requests matching spec.analysis.match go to the canary, the rest to the primary. */
  abTest?: boolean;
}

export interface RouterContext {
  canary: Canary;
  spec: ResolvedSpec;
  /** The status this reconcile writes (phase, revision, history), when routes follow a decision. */
  status?: CanaryStatus;
}

/** One per traffic provider. Every method is idempotent and safe to repeat after a crash. */
export interface Router {
  /** Create or update the provider's objects so traffic splits by `weights`, fixing any drift. */
  setRoutes(ctx: RouterContext, weights: Weights): Promise<void>;
  /** Remove the provider's objects (revertOnDeletion). */
  finalize(ctx: RouterContext): Promise<void>;
  /**
   * The canary's weight as the provider's objects in the cache split traffic now; undefined when
   * that is not known (objects not watched or not written yet, no weighted split).
   */
  routedCanaryWeight(ctx: RouterContext): number | undefined;
}

/** What a router may use: writes that skip objects already as desired, deletes, cached Upstreams. */
export interface RouterDeps {
  /** Applies each object unless the cache already holds every field it sets. */
  ensure(objects: KubeObject[]): Promise<void>;
  /** Deletes an object; one already gone is fine. */
  remove(object: KubeObject): Promise<void>;
  /** A user's Upstream spec (upstreamRef) from the cache. */
  lookupUpstream(
    namespace: string,
    name: string,
  ): Record<string, unknown> | undefined;
  /** A RouteTable's spec from the cache (undefined when Gloo's objects are not watched). */
  lookupRouteTable(
    namespace: string,
    name: string,
  ): Record<string, unknown> | undefined;
  /** A Gateway API route (HTTPRoute, GRPCRoute) as the cache holds it, whole (undefined: none or not watched). */
  lookupRoute(
    kind: "HTTPRoute" | "GRPCRoute",
    namespace: string,
    name: string,
  ): Record<string, unknown> | undefined;
}
