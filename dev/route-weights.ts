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
