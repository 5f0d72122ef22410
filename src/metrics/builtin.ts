// Built-in metrics per router, as data. Gloo's come from Envoy's upstream counters, filtered by the
// canary upstream's cluster name `<upstream>_<namespace>`.
import type { RouterName } from "../routers/registry.ts";

export type BuiltinMetric = "request-success-rate" | "request-duration";

/** How many requests the canary served in a window: below minRequests a built-in check is inconclusive. */
export const requestCountQueries: Partial<Record<RouterName, string>> = {
  gloo: 'sum(increase(envoy_cluster_upstream_rq{envoy_cluster_name="{{ cluster }}"}[{{ interval }}]))',
};

export const builtinQueries: Partial<
  Record<RouterName, Record<BuiltinMetric, string>>
> = {
  gloo: {
    "request-success-rate":
      'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ cluster }}",envoy_response_code!~"5.*"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ cluster }}"}[{{ interval }}])) * 100',
    "request-duration":
      'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="{{ cluster }}"}[{{ interval }}])) by (le))',
  },
};
