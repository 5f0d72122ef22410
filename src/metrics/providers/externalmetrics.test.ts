// The external metrics API, answered by a local server as the API (and a metrics adapter behind it)
// answers: through an address with the Secret's token, and through the operator's own API server (a real
// KubeClient), where refusals say what to fix.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../../dev/services/http-recorder.ts";
import type { Caches } from "../../controller/caches.ts";
import { templateLookups } from "../../controller/lookups.ts";
import { KubeClient } from "../../kube/client/http.ts";
import { templateProvider } from "../registry.ts";
import { parseExternalQuery, parseQuantity } from "./externalmetrics.ts";

let api: HttpRecorder;
let status = 200;
let items: { metricName: string; value: string }[] = [];
beforeAll(async () => {
  api = await new HttpRecorder().start();
  api.respond = (r) => {
    if (status !== 200)
      return {
        status,
        body: JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          message: "forbidden",
          reason: "Forbidden",
          code: status,
        }),
      };
    if (!r.path.startsWith("/apis/external.metrics.k8s.io/v1beta1/namespaces/"))
      return { status: 404 };
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        kind: "ExternalMetricValueList",
        apiVersion: "external.metrics.k8s.io/v1beta1",
        metadata: {},
        items,
      }),
    };
  };
});
afterAll(() => api.stop());
const signal = () => AbortSignal.timeout(3000);

const viaAddress = () =>
  templateProvider({
    template: {
      namespace: "apps",
      name: "ext",
      spec: {
        provider: {
          type: "externalmetrics",
          address: api.url,
          secretRef: { name: "ext" },
        },
        query: "q",
      },
    },
    secret: { token: "adapter-token" },
    intervalMs: 60_000,
    timeoutMs: 2000,
  });

describe("externalmetrics", () => {
  it("parses Flagger's query form and Kubernetes quantities", () => {
    expect(
      parseExternalQuery("apps/http_requests?labelSelector=app%3Dpodinfo"),
    ).toEqual({
      namespace: "apps",
      metric: "http_requests",
      labelSelector: "app=podinfo",
    });
    expect(parseExternalQuery("queue_depth")).toEqual({
      namespace: "default",
      metric: "queue_depth",
    });
    expect(() => parseExternalQuery("a/b/c")).toThrow(/too many slashes/);
    expect(() => parseExternalQuery("apps/")).toThrow(/metric name is empty/);
    expect([
      parseQuantity("1500m"),
      parseQuantity("2k"),
      parseQuantity("1Ki"),
      parseQuantity("1e3"),
      parseQuantity("0.5"),
    ]).toEqual([1.5, 2000, 1024, 1000, 0.5]);
    expect(parseQuantity("12 apples")).toBeUndefined();
  });

  it("through an address: the path, the selector and the token; the first item's quantity; none is no data", async () => {
    status = 200;
    items = [{ metricName: "http_requests", value: "2500m" }];
    expect(
      await viaAddress().query(
        "apps/http_requests?labelSelector=app%3Dpodinfo",
        signal(),
      ),
    ).toBe(2.5);
    const request = api.requests.at(-1)!;
    const url = new URL(request.path, api.url);
    expect(url.pathname).toBe(
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/apps/http_requests",
    );
    expect(url.searchParams.get("labelSelector")).toBe("app=podinfo");
    expect(request.headers.authorization).toBe("Bearer adapter-token");
    items = [];
    expect(
      await viaAddress().query("apps/http_requests", signal()),
    ).toBeUndefined();
  });

  it("through the operator's API server: refusals say what to fix", async () => {
    const client = new KubeClient({
      server: api.url,
      insecureSkipTlsVerify: false,
      namespace: "default",
      credentials: { type: "none" },
      source: "test",
    });
    const lookups = templateLookups({ client } as unknown as Caches);
    const provider = templateProvider({
      template: {
        namespace: "apps",
        name: "ext",
        spec: { provider: { type: "externalmetrics" }, query: "q" },
      },
      secret: undefined,
      intervalMs: 60_000,
      timeoutMs: 2000,
      ...(lookups.kube ? { kube: lookups.kube } : {}),
    });
    status = 200;
    items = [{ metricName: "queue_depth", value: "7" }];
    expect(await provider.query("jobs/queue_depth", signal())).toBe(7);
    status = 403;
    await expect(provider.query("jobs/queue_depth", signal())).rejects.toThrow(
      /external metrics API \(HTTP 403\): the operator may not read external metric queue_depth: list it in the chart's externalMetrics.metrics/,
    );
    status = 503;
    await expect(provider.query("jobs/queue_depth", signal())).rejects.toThrow(
      /no metrics adapter serves external.metrics.k8s.io/,
    );
    client.close();
  });
});
