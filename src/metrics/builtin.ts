// Built-in metrics as data: how each Envoy-based data plane names the canary's cluster in its stats, and
// one render() for the queries. Success rate is the non-5xx share of envoy_cluster_upstream_rq, duration
// the p99 of envoy_cluster_upstream_rq_time (milliseconds). With several routers (a gateway migration)
// the series of every gateway are summed, so a step is judged on all of the canary's traffic.
import type { RouterName } from "../routers/names.ts";

export type BuiltinMetric = "request-success-rate" | "request-duration";

/** The Envoy-based gateways a Gateway API router may be served by (--gateway-api-metrics). */
export const gatewayApiFlavours = [
  "kgateway",
  "envoy-gateway",
  "istio",
] as const;
export type GatewayApiFlavour = (typeof gatewayApiFlavours)[number];

export interface BuiltinTarget {
  namespace: string;
  apex: string;
  port: number;
  grpc: boolean;
}

type Side = "primary" | "canary";

interface EnvoyNaming {
  /** The label holding the cluster name, and the one holding the response code. */
  clusterLabel: string;
  codeLabel: string;
  /** The cluster of one side: its exact name, or (regex) a pattern. */
  cluster(t: BuiltinTarget, side: Side): { value: string; regex?: boolean };
}

const service = (t: BuiltinTarget, side: Side) => `${t.apex}-${side}`;

/**
 * Cluster naming, from each project's code and docs:
 *   Gloo Edge       <upstream>_<namespace>, upstream <ns>-<apex>-<side>upstream-<port>
 *   kgateway        kube_<namespace>_<service>_<port> for a Kubernetes Service backend
 *   Envoy Gateway   <kind>/<namespace>/<route>/rule/<n>/backend/<i> once backends have their own
 *                   filters (Siskin marks them); primary is backend 0, canary backend 1
 *   Istio gateway   outbound|<port>||<service>.<namespace>.svc.cluster.local, in Istio's stat tags
 *                   cluster_name and response_code (cluster stats need proxyStatsMatcher
 *                   inclusionPrefixes: cluster.outbound)
 */
export const envoyNamings = {
  gloo: {
    clusterLabel: "envoy_cluster_name",
    codeLabel: "envoy_response_code",
    cluster: (t, side) => ({
      value: `${t.namespace}-${t.apex}-${side}upstream-${t.port}_${t.namespace}`,
    }),
  },
  kgateway: {
    clusterLabel: "envoy_cluster_name",
    codeLabel: "envoy_response_code",
    cluster: (t, side) => ({
      value: `kube_${t.namespace}_${service(t, side)}_${t.port}`,
    }),
  },
  "envoy-gateway": {
    clusterLabel: "envoy_cluster_name",
    codeLabel: "envoy_response_code",
    cluster: (t, side) => ({
      value: `${t.grpc ? "grpcroute" : "httproute"}/${t.namespace}/${t.apex}/rule/[0-9]+/backend/${side === "primary" ? 0 : 1}`,
      regex: true,
    }),
  },
  istio: {
    clusterLabel: "cluster_name",
    codeLabel: "response_code",
    cluster: (t, side) => ({
      value: `outbound|${t.port}||${service(t, side)}.${t.namespace}.svc.cluster.local`,
    }),
  },
} satisfies Record<"gloo" | GatewayApiFlavour, EnvoyNaming>;

/** The namings of a Canary's routers (one per gateway; the kubernetes router has none). */
export function namingsOf(
  routers: readonly RouterName[],
  flavour: GatewayApiFlavour,
): EnvoyNaming[] {
  const out: EnvoyNaming[] = [];
  for (const router of routers) {
    const naming: EnvoyNaming | undefined =
      router === "gloo"
        ? envoyNamings.gloo
        : router.startsWith("gatewayapi:")
          ? envoyNamings[flavour]
          : undefined;
    if (naming && !out.includes(naming)) out.push(naming);
  }
  return out;
}

const escapeLabel = (text: string) =>
  text.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

function selector(
  naming: EnvoyNaming,
  t: BuiltinTarget,
  side: Side,
  extra = "",
): string {
  const c = naming.cluster(t, side);
  return `{${naming.clusterLabel}${c.regex ? "=~" : "="}"${escapeLabel(c.value)}"${extra}}`;
}

/** fn(metric{selector}[window]) for each gateway, summed (`or` joins the gateways' distinct series). */
function summed(
  namings: EnvoyNaming[],
  t: BuiltinTarget,
  side: Side,
  fn: string,
  metric: string,
  window: string,
  extra: (n: EnvoyNaming) => string = () => "",
): string {
  return namings
    .map((n) => `${fn}(${metric}${selector(n, t, side, extra(n))}[${window}])`)
    .join(" or ");
}

/** A built-in metric's query for one side; undefined when the routers have no Envoy stats. */
export function builtinQuery(
  metric: BuiltinMetric,
  namings: EnvoyNaming[],
  t: BuiltinTarget,
  side: Side,
  window: string,
): string | undefined {
  if (namings.length === 0) return undefined;
  if (metric === "request-success-rate") {
    const good = summed(
      namings,
      t,
      side,
      "rate",
      "envoy_cluster_upstream_rq",
      window,
      (n) => `,${n.codeLabel}!~"5.*"`,
    );
    const all = summed(
      namings,
      t,
      side,
      "rate",
      "envoy_cluster_upstream_rq",
      window,
    );
    return `sum(${good}) / sum(${all}) * 100`;
  }
  const buckets = summed(
    namings,
    t,
    side,
    "rate",
    "envoy_cluster_upstream_rq_time_bucket",
    window,
  );
  return `histogram_quantile(0.99, sum(${buckets}) by (le))`;
}

/** How many requests the canary served in a window: below minRequests a built-in check is inconclusive. */
export function requestCountQuery(
  namings: EnvoyNaming[],
  t: BuiltinTarget,
  window: string,
  side: Side = "canary",
): string | undefined {
  if (namings.length === 0) return undefined;
  return `sum(${summed(namings, t, side, "increase", "envoy_cluster_upstream_rq", window)})`;
}
