// Flagger fields Siskin keeps but that do something only for some routers (Istio's trafficPolicy on a
// Gloo Canary, say). The table is data: each field names the routers that read it; a field set on a
// Canary whose routers all leave it alone is reported by name (a FieldsIgnored condition and one
// Warning Event per generation), never dropped in silence. docs/migration.md lists the same fields.
import { isGatewayApi, type RouterName } from "../routers/names.ts";
import type { CanarySpec } from "./canary.ts";

type Reader = "gatewayapi" | "gloo" | "kubernetes";

export interface FieldUse {
  /** The field's path under spec. */
  path: string;
  /** Routers that give the field a meaning; empty: none of Siskin's (kept for Flagger's providers). */
  readBy: readonly Reader[];
  /** Which provider of Flagger's the field is for, shown in the message. */
  for: string;
}

const gatewayApiOnly: readonly Reader[] = ["gatewayapi"];

export const fieldUses: readonly FieldUse[] = [
  { path: "service.trafficPolicy", readBy: [], for: "Istio" },
  { path: "service.delegation", readBy: [], for: "Istio" },
  { path: "service.gateways", readBy: [], for: "Istio" },
  { path: "service.retries", readBy: [], for: "Istio" },
  { path: "service.meshName", readBy: [], for: "App Mesh" },
  { path: "service.backends", readBy: [], for: "App Mesh" },
  { path: "ingressRef", readBy: [], for: "NGINX" },
  { path: "routeRef", readBy: [], for: "APISIX" },
  { path: "autoscalerRef.primaryScalerQueries", readBy: [], for: "KEDA" },
  {
    path: "service.headers",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  {
    path: "service.rewrite",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  {
    path: "service.corsPolicy",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  { path: "service.mirror", readBy: gatewayApiOnly, for: "Gateway API" },
  {
    path: "service.timeout",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  {
    path: "service.backendTimeout",
    readBy: gatewayApiOnly,
    for: "Gateway API",
  },
  { path: "service.gatewayRefs", readBy: gatewayApiOnly, for: "Gateway API" },
  { path: "service.hosts", readBy: gatewayApiOnly, for: "Istio, Gateway API" },
  { path: "service.match", readBy: gatewayApiOnly, for: "Istio, Gateway API" },
  {
    path: "analysis.sessionAffinity",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  {
    path: "analysis.mirror",
    readBy: gatewayApiOnly,
    for: "Istio, Gateway API",
  },
  { path: "upstreamRef", readBy: ["gloo"], for: "Gloo" },
];

const readerOf = (router: RouterName): Reader =>
  isGatewayApi(router) ? "gatewayapi" : (router as Reader);

function valueAt(spec: CanarySpec, path: string): unknown {
  let value: unknown = spec;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A field counts as set when it says something: not absent, false, "" or an empty list or map. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "")
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

/** The fields set on the Canary that none of its routers reads, each with who it is for. */
export function ignoredFields(
  spec: CanarySpec,
  routers: readonly RouterName[],
): { path: string; for: string }[] {
  const readers = new Set(routers.map(readerOf));
  const ignored = fieldUses
    .filter((use) => isSet(valueAt(spec, use.path)))
    .filter((use) => !use.readBy.some((reader) => readers.has(reader)))
    .map((use) => ({ path: `spec.${use.path}`, for: use.for }));
  // Istio's sourceLabels inside an A/B match: no gateway of Siskin's sees the calling pod's labels.
  if (spec.analysis.match?.some((m) => isSet(m.sourceLabels)))
    ignored.push({ path: "spec.analysis.match[].sourceLabels", for: "Istio" });
  return ignored;
}

/** The condition message: "spec.service.trafficPolicy (Istio) ignored on provider gloo; ...". */
export function ignoredMessage(
  ignored: readonly { path: string; for: string }[],
  routers: readonly RouterName[],
): string {
  const on =
    routers.length > 1
      ? `routers ${routers.join(", ")}`
      : `provider ${routers[0] ?? "kubernetes"}`;
  return `${ignored.map((f) => `${f.path} (${f.for})`).join(", ")} ignored on ${on}: kept in the object, no effect here`;
}
