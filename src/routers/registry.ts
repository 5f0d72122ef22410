// Routers by provider name (names.ts). Unknown names fail validation with that list.
import { gatewayApiRouter } from "./gatewayapi/router.ts";
import { glooRouter } from "./gloo.ts";
import { kubernetesRouter } from "./kubernetes.ts";
import type { RouterName } from "./names.ts";
import type { Router, RouterDeps } from "./types.ts";

export { routerNames, type RouterName } from "./names.ts";

/** Operator-wide router settings. */
export interface RouterConfig {
  /** Gateway API: mark each backend so Envoy Gateway keeps a cluster (and stats) per backend. */
  markBackends: boolean;
}

export type RouterFactory = (deps: RouterDeps, config: RouterConfig) => Router;

export const routers = {
  gloo: (deps) => glooRouter(deps),
  "gatewayapi:v1": (deps, config) =>
    gatewayApiRouter(deps, {
      version: "v1",
      markBackends: config.markBackends,
    }),
  "gatewayapi:v1beta1": (deps, config) =>
    gatewayApiRouter(deps, {
      version: "v1beta1",
      markBackends: config.markBackends,
    }),
  kubernetes: () => kubernetesRouter(),
} satisfies Record<RouterName, RouterFactory>;
