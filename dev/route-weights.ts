// Reading a Gloo RouteTable the way a person checks a split: the [primary, canary] weights of its last
// route (the weighted one, or the A/B fallback), found by the upstream names Siskin and Flagger give
// (`<ns>-<name>-primaryupstream-<port>`, `-canaryupstream-`). Shared by tests, the demo and benchmarks.

export interface RouteTableLike {
  spec?: {
    routes?: {
      routeAction?: {
        multi?: {
          destinations?: {
            weight?: number;
            destination?: { upstream?: { name?: string } };
          }[];
        };
      };
    }[];
  };
}

/** [primary, canary] weights of the last route; 0 for a destination that is missing. */
export function routeWeights(table: RouteTableLike): [number, number] {
  const destinations =
    table.spec?.routes?.at(-1)?.routeAction?.multi?.destinations ?? [];
  const weightOf = (role: string) =>
    destinations.find((d) =>
      d.destination?.upstream?.name?.includes(`-${role}upstream-`),
    )?.weight ?? 0;
  return [weightOf("primary"), weightOf("canary")];
}

export interface GatewayRouteLike {
  spec?: {
    rules?: {
      name?: string;
      backendRefs?: { name?: string; weight?: number }[];
    }[];
  };
}

/**
 * [primary, canary] weights of an HTTPRoute's or GRPCRoute's weighted rule (Siskin's siskin-weighted,
 * or Flagger's: the rule with both backends), found by the -primary and -canary Service names.
 */
export function gatewayRouteWeights(route: GatewayRouteLike): [number, number] {
  const rules = route.spec?.rules ?? [];
  const two = (r: (typeof rules)[number]) =>
    (r.backendRefs ?? []).filter((b) => /-(primary|canary)$/.test(b.name ?? ""))
      .length === 2;
  const rule =
    rules.find((r) => r.name === "siskin-weighted") ?? rules.filter(two).at(-1);
  const weightOf = (role: string) =>
    rule?.backendRefs?.find((b) => b.name?.endsWith(`-${role}`))?.weight ?? 0;
  return [weightOf("primary"), weightOf("canary")];
}
