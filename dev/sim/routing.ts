// How Gloo's gateway picks an upstream for a request, as a pure function over the VirtualServices,
// RouteTables and Upstreams on the API server: the domain chooses the VirtualService, the first route
// whose matchers all match wins, delegateAction continues in the RouteTable, and a multi destination
// picks by weight. Only what Siskin and the examples use is modelled (prefix/exact/regex paths, header
// matchers, single and multi destinations, delegation by ref).
export interface UpstreamRef {
  name: string;
  namespace: string;
}

interface HeaderMatcher {
  name: string;
  value?: string;
  regex?: boolean;
  invertMatch?: boolean;
}

interface Matcher {
  prefix?: string;
  exact?: string;
  regex?: string;
  headers?: HeaderMatcher[];
}

interface Destination {
  weight?: number;
  destination: { upstream: UpstreamRef };
}

export interface GlooRoute {
  matchers?: Matcher[];
  routeAction?: {
    single?: { upstream: UpstreamRef };
    multi?: { destinations: Destination[] };
  };
  delegateAction?: {
    ref?: UpstreamRef;
    name?: string;
    namespace?: string;
  };
}

export interface GlooObject<S> {
  metadata: { name: string; namespace: string };
  spec: S;
}
export type VirtualService = GlooObject<{
  virtualHost: { domains?: string[]; routes?: GlooRoute[] };
}>;
export type RouteTable = GlooObject<{ routes?: GlooRoute[] }>;

export interface GlooConfig {
  virtualServices: VirtualService[];
  routeTables: RouteTable[];
}

export interface Request {
  host: string;
  path: string;
  headers: Record<string, string | undefined>;
}

/** Weighted choice: `pick` returns the chosen destination index for the given weights. */
export type Picker = (key: string, weights: number[]) => number;

function headerMatches(m: HeaderMatcher, headers: Request["headers"]): boolean {
  const actual = headers[m.name.toLowerCase()];
  let ok: boolean;
  if (actual === undefined) ok = false;
  else if (!m.value)
    ok = true; // presence
  else if (m.regex) ok = new RegExp(`^(?:${m.value})$`).test(actual);
  else ok = actual === m.value;
  return m.invertMatch ? !ok : ok;
}

function matcherMatches(m: Matcher, req: Request): boolean {
  const path = req.path.split("?")[0] ?? "/";
  if (m.exact !== undefined && path !== m.exact) return false;
  if (m.regex !== undefined && !new RegExp(`^(?:${m.regex})$`).test(path))
    return false;
  if (m.prefix !== undefined && !path.startsWith(m.prefix)) return false;
  return (m.headers ?? []).every((h) => headerMatches(h, req.headers));
}

function routeMatches(route: GlooRoute, req: Request): boolean {
  const matchers = route.matchers?.length ? route.matchers : [{ prefix: "/" }];
  return matchers.some((m) => matcherMatches(m, req));
}

/** The upstream for a request, or a reason there is none (Envoy would answer 404). */
export function resolveRoute(
  config: GlooConfig,
  req: Request,
  pick: Picker,
): { upstream: UpstreamRef } | { error: string } {
  const host = req.host.replace(/:\d+$/, "").toLowerCase();
  const vs = config.virtualServices.find((v) =>
    (v.spec.virtualHost.domains ?? ["*"]).some(
      (d) => d === "*" || d.toLowerCase() === host,
    ),
  );
  if (!vs) return { error: `no VirtualService for host ${host}` };
  let routes = vs.spec.virtualHost.routes ?? [];
  let where = `VirtualService ${vs.metadata.namespace}/${vs.metadata.name}`;
  for (let depth = 0; depth < 8; depth++) {
    const route = routes.find((r) => routeMatches(r, req));
    if (!route) return { error: `no route matches ${req.path} in ${where}` };
    if (route.delegateAction) {
      const ref = route.delegateAction.ref ?? {
        name: route.delegateAction.name ?? "",
        namespace: route.delegateAction.namespace ?? vs.metadata.namespace,
      };
      const table = config.routeTables.find(
        (t) =>
          t.metadata.name === ref.name &&
          t.metadata.namespace === (ref.namespace || vs.metadata.namespace),
      );
      if (!table)
        return { error: `RouteTable ${ref.namespace}/${ref.name} not found` };
      routes = table.spec.routes ?? [];
      where = `RouteTable ${table.metadata.namespace}/${table.metadata.name}`;
      continue;
    }
    const single = route.routeAction?.single?.upstream;
    if (single) return { upstream: single };
    const destinations = route.routeAction?.multi?.destinations ?? [];
    const weights = destinations.map((d) => d.weight ?? 0);
    if (weights.every((w) => w === 0))
      return { error: `no weighted destination in ${where}` };
    const chosen = destinations[pick(where, weights)];
    if (!chosen) return { error: `no destination in ${where}` };
    return { upstream: chosen.destination.upstream };
  }
  return { error: "delegation deeper than 8 levels" };
}

/**
 * Smooth weighted round-robin (as nginx does), per route: over any stretch of requests each destination
 * gets its share to within one request, so a step's measured split reflects its weights, not chance.
 * (Envoy picks at random by weight; the demo prefers a split it can check exactly.)
 */
export function smoothWeightedPicker(): Picker {
  const state = new Map<string, number[]>();
  return (key, weights) => {
    const id = `${key}:${weights.join(",")}`;
    const current = state.get(id) ?? weights.map(() => 0);
    const total = weights.reduce((a, b) => a + b, 0);
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] = (current[i] ?? 0) + (weights[i] ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    state.set(id, current);
    return best;
  };
}
