// The router names a Canary may give as provider (or in spec.routers), as data: the registry maps each
// to its implementation, validation lists them in errors. Gateway API versions are one router with the
// API version as a parameter, named as Flagger names them.
export const routerNames = [
  "gloo",
  "gatewayapi:v1",
  "gatewayapi:v1beta1",
  "kubernetes",
] as const;

export type RouterName = (typeof routerNames)[number];

export const isRouterName = (name: string): name is RouterName =>
  (routerNames as readonly string[]).includes(name);

/** Routers that write Gateway API routes (HTTPRoute or GRPCRoute). */
export const isGatewayApi = (name: string): boolean =>
  name.startsWith("gatewayapi:");
