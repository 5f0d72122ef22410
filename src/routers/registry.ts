// Routers by provider name. Unknown names fail validation with this list.
import { glooRouter } from "./gloo.ts";
import { kubernetesRouter } from "./kubernetes.ts";
import type { Router, RouterDeps } from "./types.ts";

export type RouterFactory = (deps: RouterDeps) => Router;

export const routers = {
  gloo: glooRouter,
  kubernetes: () => kubernetesRouter(),
} satisfies Record<string, RouterFactory>;

export type RouterName = keyof typeof routers;
export const routerNames = Object.keys(routers) as RouterName[];
