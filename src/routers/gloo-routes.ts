// The RouteTable routes for a Canary, as plain data: weighted, or A/B (header matches to the canary,
// everything else to the primary through a fallback route, which Flagger omits).
import type { HeaderMatch, HeaderMatchSet } from "../api/resolve.ts";

export interface GlooHeaderMatcher {
  name: string;
  value: string;
  regex?: boolean;
}

const escapeRegex = (text: string): string =>
  text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Gloo header matchers for one Flagger header match (exact, prefix, suffix or regex). */
export function headerMatchers(set: HeaderMatchSet): GlooHeaderMatcher[] {
  return Object.entries(set).map(([name, m]: [string, HeaderMatch]) => {
    if (m.exact !== undefined) return { name, value: m.exact };
    if (m.prefix !== undefined)
      return { name, value: `^${escapeRegex(m.prefix)}.*`, regex: true };
    if (m.suffix !== undefined)
      return { name, value: `.*${escapeRegex(m.suffix)}$`, regex: true };
    return { name, value: m.regex ?? ".*", regex: true };
  });
}

type Destination = {
  weight: number;
  destination: { upstream: { name: string; namespace: string } };
};

export function weightedRoute(
  destinations: Destination[],
): Record<string, unknown> {
  return {
    inheritablePathMatchers: true,
    routeAction: { multi: { destinations } },
  };
}

/** One route per match set to the canary, then the fallback to the primary. */
export function abTestRoutes(
  match: HeaderMatchSet[],
  primary: Destination,
  canary: Destination,
): Record<string, unknown>[] {
  const matched = match.map((set) => ({
    matchers: [{ headers: headerMatchers(set) }],
    inheritablePathMatchers: true,
    routeAction: { multi: { destinations: [{ ...canary, weight: 100 }] } },
  }));
  return [
    ...matched,
    weightedRoute([
      { ...primary, weight: 100 },
      { ...canary, weight: 0 },
    ]),
  ];
}
