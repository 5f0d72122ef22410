import type { Canary } from "../api/canary.ts";
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
  signal?: AbortSignal;
}

/** One per traffic provider. Every method is idempotent and safe to repeat after a crash. */
export interface Router {
  /** Create or update the provider's objects so traffic splits by `weights`, fixing any drift. */
  setRoutes(ctx: RouterContext, weights: Weights): Promise<void>;
  /** Remove the provider's objects (revertOnDeletion). */
  finalize(ctx: RouterContext): Promise<void>;
}
