// The routers a Canary drives (spec.routers, else its provider) and what Gateway API routes need of the
// spec; split from resolve.ts, which calls these while it resolves a Canary.
import type { CanarySpec } from "./canary.ts";
import type { Issue, ResolveContext } from "./resolve.ts";
import { isGatewayApi, type RouterName } from "../routers/names.ts";
/**
 * The routers a Canary drives: spec.routers (a gateway migration drives several), else the provider
 * (spec.provider, else --mesh-provider). The provider is always the first.
 */
export function resolveRouters(
  spec: CanarySpec,
  ctx: ResolveContext,
  issues: Issue[],
): RouterName[] {
  const known = (name: string): name is RouterName =>
    ctx.knownProviders.includes(name);
  const provider = spec.provider ?? spec.routers?.[0] ?? ctx.defaultProvider;
  if (!known(provider)) {
    issues.push({
      path: spec.provider
        ? "spec.provider"
        : spec.routers?.length
          ? "spec.routers[0]"
          : "--mesh-provider",
      message: `unknown provider "${provider}"; supported: ${ctx.knownProviders.join(", ")}`,
    });
    return [];
  }
  if (!spec.routers?.length) return [provider];
  const routers: RouterName[] = [];
  spec.routers.forEach((name, i) => {
    if (!known(name))
      issues.push({
        path: `spec.routers[${i}]`,
        message: `unknown router "${name}"; supported: ${ctx.knownProviders.join(", ")}`,
      });
    else if (routers.includes(name))
      issues.push({
        path: `spec.routers[${i}]`,
        message: `${name} is named twice; name each router once`,
      });
    else routers.push(name);
  });
  if (spec.provider && spec.routers[0] !== spec.provider)
    issues.push({
      path: "spec.routers[0]",
      message: `the first router must be the provider (${spec.provider}), so Flagger and Siskin agree on it; put ${spec.provider} first or remove provider`,
    });
  if (routers.length > 1 && routers.includes("kubernetes"))
    issues.push({
      path: "spec.routers",
      message:
        "kubernetes splits no traffic and cannot be combined with a gateway; remove it",
    });
  return routers;
}

/** What a Gateway API router needs from the spec, checked before anything is written. */
export function checkGatewayApi(
  spec: CanarySpec,
  routers: RouterName[],
  grpc: boolean,
  issues: Issue[],
): void {
  if (!routers.some(isGatewayApi)) return;
  if (!spec.service.gatewayRefs?.length)
    issues.push({
      path: "spec.service.gatewayRefs",
      message:
        "Gateway API routers attach the route to Gateways: name at least one (for example {name: public, namespace: gateway-system})",
    });
  const affinity = spec.analysis.sessionAffinity;
  if (affinity && !affinity.cookieName)
    issues.push({
      path: "spec.analysis.sessionAffinity.cookieName",
      message: "session affinity needs the cookie's name",
    });
  if (grpc) {
    const unsupported = [
      affinity ? "spec.analysis.sessionAffinity" : undefined,
      spec.service.rewrite ? "spec.service.rewrite" : undefined,
      spec.service.corsPolicy ? "spec.service.corsPolicy" : undefined,
      spec.service.timeout ? "spec.service.timeout" : undefined,
      spec.service.backendTimeout ? "spec.service.backendTimeout" : undefined,
    ].filter((p): p is string => p !== undefined);
    for (const path of unsupported)
      issues.push({
        path,
        message:
          "a GRPCRoute has no such setting (the service is gRPC: service.appProtocol or portName grpc); remove it",
      });
  }
}
