// The externalmetrics MetricTemplate without an address, as the operator runs it: through its own API
// server, whose aggregation layer routes external.metrics.k8s.io to a metrics adapter registered with
// an APIService. The adapter listens on 127.0.0.1; an ExternalName Service "localhost" carries the
// APIService there (the aggregator resolves ExternalName Services to their name, and endpoints may not
// be loopback addresses). Read back: the value, the identity the API server forwarded, RBAC's 403 for a
// metric the ClusterRole does not name (the chart's externalMetrics.metrics rule), no data, and 503
// once the adapter is gone.
import {
  ApiregistrationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type V1APIService,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import type { Caches } from "../../src/controller/caches.ts";
import { templateLookups } from "../../src/controller/lookups.ts";
import { templateProvider } from "../../src/metrics/registry.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { ExternalMetricsAdapter } from "../support/external-metrics-adapter.ts";

const adapter = new ExternalMetricsAdapter();
const apiServiceName = "v1beta1.external.metrics.k8s.io";
const registration = () => kubeConfig().makeApiClient(ApiregistrationV1Api);
const rbac = () => kubeConfig().makeApiClient(RbacAuthorizationV1Api);
let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
const roleName = "siskin-test-external-metrics";

/** The provider as the operator builds it, on a KubeClient as `user` (impersonated) or as the admin. */
function externalMetrics(user?: string) {
  const client = new KubeClient(
    loadClusterAccess({ kubeconfig: clusterState().kubeconfig }),
    user ? { headers: { "Impersonate-User": user } } : {},
  );
  const lookups = templateLookups({ client } as unknown as Caches);
  return templateProvider({
    template: {
      namespace: "apps",
      name: "ext",
      spec: { provider: { type: "externalmetrics" }, query: "q" },
    },
    secret: undefined,
    intervalMs: 60_000,
    timeoutMs: 5000,
    ...(lookups.kube ? { kube: lookups.kube } : {}),
  });
}
const signal = () => AbortSignal.timeout(10_000);
const operatorUser = "siskin-operator-test";

beforeAll(async () => {
  await adapter.start();
  adapter.metrics.set("queue_depth", [
    { labels: { app: "podinfo" }, value: "1500m" },
    { labels: { app: "other" }, value: "9" },
  ]);
  namespace = await createTestNamespace("extmetrics");
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedService({
      namespace: namespace.name,
      body: {
        metadata: { name: "metrics-adapter" },
        spec: {
          type: "ExternalName",
          externalName: "localhost",
          ports: [{ port: adapter.port, protocol: "TCP" }],
        },
      },
    });
  const body: V1APIService = {
    metadata: { name: apiServiceName },
    spec: {
      group: "external.metrics.k8s.io",
      version: "v1beta1",
      service: {
        namespace: namespace.name,
        name: "metrics-adapter",
        port: adapter.port,
      },
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  };
  await registration().createAPIService({ body });
  // The operator's ClusterRole as the chart renders it with externalMetrics.metrics: [queue_depth].
  await rbac().createClusterRole({
    body: {
      metadata: { name: roleName },
      rules: [
        {
          apiGroups: ["external.metrics.k8s.io"],
          resources: ["queue_depth"],
          verbs: ["get", "list"],
        },
      ],
    },
  });
  await rbac().createClusterRoleBinding({
    body: {
      metadata: { name: roleName },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: roleName,
      },
      subjects: [
        {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "User",
          name: operatorUser,
        },
      ],
    },
  });
  await eventually(
    async () =>
      (
        await registration().readAPIServiceStatus({ name: apiServiceName })
      ).status?.conditions?.some(
        (c) => c.type === "Available" && c.status === "True",
      ),
    { timeoutMs: 60_000, what: "the APIService to be Available" },
  );
}, 120_000);

afterAll(async () => {
  // Never leave an APIService without its adapter behind: discovery would fail for every client.
  await registration()
    .deleteAPIService({ name: apiServiceName })
    .catch(() => undefined);
  await rbac()
    .deleteClusterRoleBinding({ name: roleName })
    .catch(() => undefined);
  await rbac()
    .deleteClusterRole({ name: roleName })
    .catch(() => undefined);
  await adapter.stop();
  await namespace?.dispose();
});

describe("externalmetrics through an APIService on the local cluster", () => {
  it("reads the adapter's value through the API server, with the operator's identity forwarded", async () => {
    const before = adapter.requests.length;
    expect(
      await externalMetrics(operatorUser).query(
        "apps/queue_depth?labelSelector=app=podinfo",
        signal(),
      ),
    ).toBe(1.5);
    const seen = adapter.requests
      .slice(before)
      .find((r) => r.path.includes("/namespaces/apps/queue_depth"));
    expect(seen).toMatchObject({
      path: "/apis/external.metrics.k8s.io/v1beta1/namespaces/apps/queue_depth?labelSelector=app%3Dpodinfo",
      remoteUser: operatorUser,
    });
    expect(
      await externalMetrics(operatorUser).query(
        "apps/queue_depth?labelSelector=app=nobody",
        signal(),
      ),
    ).toBeUndefined();
  });

  it("a metric the ClusterRole does not name is a 403 that says where to list it", async () => {
    await expect(
      externalMetrics(operatorUser).query("apps/http_requests", signal()),
    ).rejects.toThrow(
      /external metrics API \(HTTP 403\): the operator may not read external metric http_requests: list it in the chart's externalMetrics.metrics/,
    );
  });

  it("with the adapter gone, the API server's 503 says no adapter serves the API", async () => {
    await adapter.stop();
    await expect(
      externalMetrics().query("apps/queue_depth", signal()),
    ).rejects.toThrow(
      /external metrics API \(HTTP 503\): no metrics adapter serves external.metrics.k8s.io/,
    );
  });
});
