// Built-in queries per data plane: Gloo's unchanged, each Gateway API gateway with its own cluster
// naming, and several gateways summed so a migration judges all of the canary's traffic.
import { describe, expect, it } from "vitest";
import { builtinQuery, namingsOf, requestCountQuery } from "./builtin.ts";

const t = { namespace: "apps", apex: "podinfo", port: 9898, grpc: false };

describe("built-in queries", () => {
  it("Gloo: the canary upstream's Envoy cluster", () => {
    const gloo = namingsOf(["gloo"], "kgateway");
    expect(builtinQuery("request-success-rate", gloo, t, "canary", "1m")).toBe(
      'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="apps-podinfo-canaryupstream-9898_apps",envoy_response_code!~"5.*"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="apps-podinfo-canaryupstream-9898_apps"}[1m])) * 100',
    );
    expect(builtinQuery("request-duration", gloo, t, "primary", "30s")).toBe(
      'histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="apps-podinfo-primaryupstream-9898_apps"}[30s])) by (le))',
    );
  });

  it.each([
    ["kgateway", 'envoy_cluster_name="kube_apps_podinfo-canary_9898"'],
    [
      "envoy-gateway",
      'envoy_cluster_name=~"httproute/apps/podinfo/rule/[0-9]+/backend/1"',
    ],
    [
      "istio",
      'cluster_name="outbound|9898||podinfo-canary.apps.svc.cluster.local"',
    ],
  ] as const)(
    "Gateway API on %s names the canary's cluster %s",
    (flavour, selector) => {
      const namings = namingsOf(["gatewayapi:v1"], flavour);
      expect(requestCountQuery(namings, t, "1m")).toBe(
        `sum(increase(envoy_cluster_upstream_rq{${selector}}[1m]))`,
      );
    },
  );

  it("sums both gateways of a migration: every series of either, once", () => {
    const both = namingsOf(["gloo", "gatewayapi:v1"], "istio");
    expect(builtinQuery("request-success-rate", both, t, "canary", "1m")).toBe(
      "sum(" +
        'rate(envoy_cluster_upstream_rq{envoy_cluster_name="apps-podinfo-canaryupstream-9898_apps",envoy_response_code!~"5.*"}[1m]) or ' +
        'rate(envoy_cluster_upstream_rq{cluster_name="outbound|9898||podinfo-canary.apps.svc.cluster.local",response_code!~"5.*"}[1m])' +
        ") / sum(" +
        'rate(envoy_cluster_upstream_rq{envoy_cluster_name="apps-podinfo-canaryupstream-9898_apps"}[1m]) or ' +
        'rate(envoy_cluster_upstream_rq{cluster_name="outbound|9898||podinfo-canary.apps.svc.cluster.local"}[1m])' +
        ") * 100",
    );
  });

  it("has nothing to say for the kubernetes router", () => {
    expect(
      builtinQuery(
        "request-duration",
        namingsOf(["kubernetes"], "kgateway"),
        t,
        "canary",
        "1m",
      ),
    ).toBeUndefined();
  });
});
