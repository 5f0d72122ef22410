// The filters a Canary's service settings ask for, in Gateway API terms, as Flagger maps them:
// service.headers -> Request/ResponseHeaderModifier, service.rewrite -> URLRewrite, service.corsPolicy ->
// CORS (an experimental-channel filter), service.mirror -> RequestMirror; and the blue/green mirror of
// analysis.mirror to the canary. GRPCRoute has only the header modifiers and RequestMirror.
import type { CanarySpec } from "../../api/canary.ts";
import type { Json } from "./matches.ts";

type Service = CanarySpec["service"];
type HeaderOps = NonNullable<NonNullable<Service["headers"]>["request"]>;

const headerList = (map: Record<string, string> | undefined): Json[] =>
  Object.keys(map ?? {})
    .sort()
    .map((name) => ({ name, value: (map ?? {})[name] }));

function headerModifier(ops: HeaderOps): Json {
  const out: Json = {};
  const add = headerList(ops.add);
  const set = headerList(ops.set);
  if (add.length) out.add = add;
  if (set.length) out.set = set;
  if (ops.remove?.length) out.remove = [...ops.remove];
  return out;
}

/** The service's own filters, in a fixed order (so an unchanged spec writes nothing). */
export function serviceFilters(service: Service, grpc: boolean): Json[] {
  const filters: Json[] = [];
  if (service.headers?.request)
    filters.push({
      type: "RequestHeaderModifier",
      requestHeaderModifier: headerModifier(service.headers.request),
    });
  if (service.headers?.response)
    filters.push({
      type: "ResponseHeaderModifier",
      responseHeaderModifier: headerModifier(service.headers.response),
    });
  if (!grpc && service.rewrite) {
    const rewrite: Json = {};
    if (service.rewrite.authority) rewrite.hostname = service.rewrite.authority;
    if (service.rewrite.uri) {
      const type = service.rewrite.type ?? "ReplacePrefixMatch";
      rewrite.path =
        type === "ReplaceFullPath"
          ? { type, replaceFullPath: service.rewrite.uri }
          : { type, replacePrefixMatch: service.rewrite.uri };
    }
    filters.push({ type: "URLRewrite", urlRewrite: rewrite });
  }
  if (!grpc && service.corsPolicy) {
    const cors = service.corsPolicy;
    const origins = [
      ...(cors.allowOrigin ?? []),
      ...(cors.allowOrigins ?? []).flatMap((o) =>
        o.exact ? [o.exact] : o.prefix ? [`${o.prefix}*`] : [],
      ),
    ];
    const maxAge = cors.maxAge ? Number.parseInt(cors.maxAge, 10) : undefined;
    filters.push({
      type: "CORS",
      cors: {
        ...(origins.length ? { allowOrigins: origins } : {}),
        ...(cors.allowMethods?.length
          ? { allowMethods: cors.allowMethods }
          : {}),
        ...(cors.allowHeaders?.length
          ? { allowHeaders: cors.allowHeaders }
          : {}),
        ...(cors.exposeHeaders?.length
          ? { exposeHeaders: cors.exposeHeaders }
          : {}),
        ...(maxAge !== undefined && Number.isFinite(maxAge) ? { maxAge } : {}),
        ...(cors.allowCredentials !== undefined
          ? { allowCredentials: cors.allowCredentials }
          : {}),
      },
    });
  }
  for (const mirror of service.mirror ?? [])
    filters.push({
      type: "RequestMirror",
      requestMirror: {
        backendRef: {
          group: mirror.backendRef.group ?? "",
          kind: mirror.backendRef.kind ?? "Service",
          name: mirror.backendRef.name,
          ...(mirror.backendRef.namespace
            ? { namespace: mirror.backendRef.namespace }
            : {}),
          ...(mirror.backendRef.port ? { port: mirror.backendRef.port } : {}),
        },
        ...(mirror.percent !== undefined ? { percent: mirror.percent } : {}),
      },
    });
  return filters;
}

/** analysis.mirror (blue/green): a copy of the primary's traffic to the canary, mirrorWeight percent of it. */
export function canaryMirror(
  canaryService: string,
  port: number,
  percent: number | undefined,
): Json {
  return {
    type: "RequestMirror",
    requestMirror: {
      backendRef: { group: "", kind: "Service", name: canaryService, port },
      ...(percent !== undefined && percent > 0 && percent < 100
        ? { percent }
        : {}),
    },
  };
}

/** Timeouts of an HTTPRoute rule: service.timeout (request) and backendTimeout (each try). */
export function ruleTimeouts(service: Service): Json | undefined {
  const out: Json = {};
  if (service.timeout) out.request = service.timeout;
  if (service.backendTimeout) out.backendRequest = service.backendTimeout;
  return Object.keys(out).length ? out : undefined;
}
