// How a Gateway API implementation picks a backend for a request, as a pure function over the
// HTTPRoutes on the API server: the route's hostnames must match the Host header, then among every
// rule's matches the most specific one that matches wins (exact path, then the longest prefix, then a
// method, then more headers, then more query params, as the Gateway API spec orders them), and a
// weighted backendRef is picked by weight. Filters are returned for the gateway to apply: header
// modifiers (rule and backend), URL rewrite and request mirrors. Test infrastructure, not product code.
import type { Picker } from "./routing.ts";

type Json = Record<string, unknown>;

export interface ValueMatch {
  name: string;
  type?: "Exact" | "RegularExpression";
  value: string;
}

export interface RouteMatch {
  path?: {
    type?: "Exact" | "PathPrefix" | "RegularExpression";
    value?: string;
  };
  method?: string;
  headers?: ValueMatch[];
  queryParams?: ValueMatch[];
}

export interface BackendRef {
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  filters?: Json[];
}

export interface RouteRule {
  name?: string;
  matches?: RouteMatch[];
  filters?: Json[];
  backendRefs?: BackendRef[];
}

export interface HttpRoute {
  metadata: { name: string; namespace: string };
  spec: { hostnames?: string[]; rules?: RouteRule[] };
}

export interface GatewayRequest {
  host: string;
  path: string;
  method: string;
  headers: Record<string, string | undefined>;
}

export interface Chosen {
  route: HttpRoute;
  ruleIndex: number;
  backendIndex: number;
  backend: BackendRef;
  /** The rule's filters, then the chosen backend's. */
  filters: Json[];
}

const hostMatches = (hostnames: string[] | undefined, host: string) =>
  !hostnames?.length ||
  hostnames.some((h) =>
    h.startsWith("*.") ? host.endsWith(h.slice(1)) : h.toLowerCase() === host,
  );

function valueMatches(m: ValueMatch, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (m.type === "RegularExpression")
    return new RegExp(`^(?:${m.value})$`).test(actual);
  return actual === m.value;
}

function matchFits(m: RouteMatch, req: GatewayRequest): boolean {
  const [path = "/", queryText = ""] = req.path.split("?");
  const type = m.path?.type ?? "PathPrefix";
  const value = m.path?.value ?? "/";
  if (type === "Exact" && path !== value) return false;
  if (type === "RegularExpression" && !new RegExp(`^(?:${value})$`).test(path))
    return false;
  if (type === "PathPrefix") {
    const prefix = value.replace(/\/$/, "");
    if (prefix && path !== prefix && !path.startsWith(`${prefix}/`))
      return false;
  }
  if (m.method && m.method !== req.method) return false;
  if (
    !(m.headers ?? []).every((h) =>
      valueMatches(h, req.headers[h.name.toLowerCase()]),
    )
  )
    return false;
  const query = new URLSearchParams(queryText);
  return (m.queryParams ?? []).every((q) =>
    valueMatches(q, query.get(q.name) ?? undefined),
  );
}

/** Larger is more specific (Gateway API's precedence among matches). */
function specificity(m: RouteMatch): number[] {
  const type = m.path?.type ?? "PathPrefix";
  return [
    type === "Exact" ? 1 : 0,
    type === "PathPrefix" ? (m.path?.value ?? "/").length : 0,
    m.method ? 1 : 0,
    (m.headers ?? []).length,
    (m.queryParams ?? []).length,
  ];
}

const moreSpecific = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
};

/** The backend for a request, or why there is none (the gateway answers 404 or 500). */
export function resolveHttpRoute(
  routes: HttpRoute[],
  req: GatewayRequest,
  pick: Picker,
): Chosen | { error: string } {
  const host = req.host.replace(/:\d+$/, "").toLowerCase();
  let best:
    { route: HttpRoute; ruleIndex: number; score: number[] } | undefined;
  for (const route of routes) {
    if (!hostMatches(route.spec.hostnames, host)) continue;
    (route.spec.rules ?? []).forEach((rule, ruleIndex) => {
      const matches = rule.matches?.length ? rule.matches : [{}];
      for (const m of matches) {
        if (!matchFits(m, req)) continue;
        const score = specificity(m);
        if (!best || moreSpecific(score, best.score))
          best = { route, ruleIndex, score };
      }
    });
  }
  if (!best) return { error: `no HTTPRoute rule matches ${host}${req.path}` };
  const rule = best.route.spec.rules?.[best.ruleIndex] ?? {};
  const refs = rule.backendRefs ?? [];
  const weights = refs.map((b) => b.weight ?? 1);
  if (weights.every((w) => w === 0))
    return {
      error: `HTTPRoute ${best.route.metadata.name} rule ${best.ruleIndex} has no backend with weight`,
    };
  const key = `${best.route.metadata.namespace}/${best.route.metadata.name}/${best.ruleIndex}`;
  const backendIndex = pick(key, weights);
  const backend = refs[backendIndex];
  if (!backend) return { error: "no backend" };
  return {
    route: best.route,
    ruleIndex: best.ruleIndex,
    backendIndex,
    backend,
    filters: [...(rule.filters ?? []), ...(backend.filters ?? [])],
  };
}
