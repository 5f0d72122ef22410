// Request matches in Gateway API terms: Flagger's A/B matches (analysis.match: headers and query
// params with exact, prefix, suffix or regex) and its service.match (Istio's HTTPMatchRequest: uri,
// method, headers, queryParams), as HTTPRoute or GRPCRoute matches. Gateway API matches headers and
// query params exactly or by regular expression, so prefix and suffix become anchored expressions.
import type { HeaderMatch } from "../../api/resolve.ts";

export type Json = Record<string, unknown>;

const escapeRegex = (text: string): string =>
  text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One name/value match: Exact, or RegularExpression for regex, prefix and suffix. */
export function valueMatch(name: string, m: HeaderMatch): Json {
  if (m.exact !== undefined) return { name, type: "Exact", value: m.exact };
  if (m.prefix !== undefined)
    return {
      name,
      type: "RegularExpression",
      value: `^${escapeRegex(m.prefix)}.*`,
    };
  if (m.suffix !== undefined)
    return {
      name,
      type: "RegularExpression",
      value: `.*${escapeRegex(m.suffix)}$`,
    };
  return { name, type: "RegularExpression", value: m.regex ?? ".*" };
}

const sorted = (map: Record<string, HeaderMatch> | undefined): Json[] =>
  Object.keys(map ?? {})
    .sort()
    .map((name) => valueMatch(name, (map ?? {})[name] ?? {}));

/** analysis.match entries: each becomes one match of headers and query params. */
export interface AnalysisMatch {
  headers?: Record<string, HeaderMatch>;
  queryParams?: Record<string, HeaderMatch>;
}

export function analysisMatches(
  matches: AnalysisMatch[],
  grpc: boolean,
): Json[] {
  return matches
    .map((m) => {
      const out: Json = {};
      const headers = sorted(m.headers);
      if (headers.length) out.headers = headers;
      const params = sorted(m.queryParams);
      if (params.length && !grpc) out.queryParams = params;
      return out;
    })
    .filter((m) => Object.keys(m).length > 0);
}

/** Istio's HTTPMatchRequest, the shape of service.match. */
interface ServiceMatch {
  uri?: { exact?: string; prefix?: string; regex?: string };
  method?: { exact?: string };
  headers?: Record<string, HeaderMatch>;
  queryParams?: Record<string, HeaderMatch>;
}

/** The default match of a route: every path. */
export const everyPath: Json = { path: { type: "PathPrefix", value: "/" } };

/** service.match as HTTPRoute matches (every path when none is given). */
export function serviceHttpMatches(match: unknown[] | undefined): Json[] {
  const out = (match ?? []).map((raw) => {
    const m = raw as ServiceMatch;
    const route: Json = {};
    if (m.uri?.regex !== undefined)
      route.path = { type: "RegularExpression", value: m.uri.regex };
    else if (m.uri?.exact !== undefined)
      route.path = { type: "Exact", value: m.uri.exact };
    else if (m.uri?.prefix !== undefined)
      route.path = { type: "PathPrefix", value: m.uri.prefix };
    else route.path = { type: "PathPrefix", value: "/" };
    if (m.method?.exact) route.method = m.method.exact.toUpperCase();
    const headers = sorted(m.headers);
    if (headers.length) route.headers = headers;
    const params = sorted(m.queryParams);
    if (params.length) route.queryParams = params;
    return route;
  });
  return out.length > 0 ? out : [everyPath];
}

/**
 * service.match as GRPCRoute matches: a uri of "/pkg.Service/Method" (exact) or "/pkg.Service/" (prefix)
 * names the gRPC service and method; headers carry over. No match: every method (an empty match list).
 */
export function serviceGrpcMatches(match: unknown[] | undefined): Json[] {
  return (match ?? []).map((raw) => {
    const m = raw as ServiceMatch;
    const route: Json = {};
    const path = m.uri?.exact ?? m.uri?.prefix;
    if (path) {
      const [service = "", method = ""] = path.replace(/^\//, "").split("/");
      route.method = {
        type: "Exact",
        ...(service ? { service } : {}),
        ...(method ? { method } : {}),
      };
    }
    const headers = sorted(m.headers);
    if (headers.length) route.headers = headers;
    return route;
  });
}

/**
 * A/B: each analysis match combined with each service match (the analysis match's headers and query
 * params added to the service match), so matching requests reach the canary only on the service's paths.
 */
export function mergeMatches(analysis: Json[], service: Json[]): Json[] {
  if (analysis.length === 0) return service;
  if (service.length === 0) return analysis;
  // Names are keys of these lists: where both name one, the analysis match wins.
  const combine = (ours: unknown, theirs: unknown): Json[] | undefined => {
    const add = (theirs as Json[] | undefined) ?? [];
    if (add.length === 0) return undefined;
    const names = new Set(add.map((m) => m.name));
    return [
      ...((ours as Json[] | undefined) ?? []).filter((m) => !names.has(m.name)),
      ...add,
    ];
  };
  return analysis.flatMap((a) =>
    service.map((s) => {
      const headers = combine(s.headers, a.headers);
      const queryParams = combine(s.queryParams, a.queryParams);
      return {
        ...s,
        ...(headers ? { headers } : {}),
        ...(queryParams ? { queryParams } : {}),
      };
    }),
  );
}
