// Routers by provider name. Unknown names fail validation with this list.
import type { KubeConfig } from "@kubernetes/client-node";
import type { ObjectWriter } from "../kube/objects.ts";
import { glooRouter } from "./gloo.ts";
import { kubernetesRouter } from "./kubernetes.ts";
import type { Router } from "./types.ts";

export type RouterFactory = (kc: KubeConfig, writer: ObjectWriter) => Router;

export const routers = {
  gloo: glooRouter,
  kubernetes: () => kubernetesRouter(),
} satisfies Record<string, RouterFactory>;

export type RouterName = keyof typeof routers;
export const routerNames = Object.keys(routers) as RouterName[];
