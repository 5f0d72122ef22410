// Several routers as one (spec.routers, for a gateway migration): every write goes to each, in order, so
// both gateways carry the same weights; the canary's routed weight is known only when they agree, and a
// router that lags is reported so the step waits for it (see analysis/schedule.ts, trafficNotInPlace).
import type { Router } from "./types.ts";

export function multiRouter(routers: Router[]): Router {
  if (routers.length === 1 && routers[0]) return routers[0];
  return {
    async setRoutes(ctx, weights) {
      for (const router of routers) await router.setRoutes(ctx, weights);
    },
    async finalize(ctx) {
      for (const router of routers) await router.finalize(ctx);
    },
    routedCanaryWeight(ctx) {
      const weights = routers.map((r) => r.routedCanaryWeight(ctx));
      const wanted = ctx.canary.status?.canaryWeight ?? 0;
      // One that differs from the status is the one that matters: the step must not be judged yet.
      return (
        weights.find((w) => w !== undefined && w !== wanted) ??
        weights.find((w) => w !== undefined)
      );
    },
  };
}
