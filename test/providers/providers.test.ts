// MetricTemplate checks against real or local servers: a real Prometheus (directly and behind an auth
// proxy), a Datadog stub with the documented shapes, and moto's CloudWatch. Each verdict is asserted.
import {
  PutMetricDataCommand,
  CloudWatchClient,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricTemplateSpec } from "../../src/api/templates.ts";
import { runCheck } from "../../src/metrics/checks.ts";
import { templateMetric, templateStore } from "../support/check-context.ts";
import { AuthProxy } from "../support/auth-proxy.ts";
import { DatadogStub } from "../support/datadog-stub.ts";
import { EnvoyExporter } from "../support/envoy-exporter.ts";
import { MotoServer, motoEnv } from "../support/moto.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import { eventually } from "../support/cluster.ts";

const exporter = new EnvoyExporter();
const prometheus = new LocalPrometheus();
const datadog = new DatadogStub();
const moto = new MotoServer();
let proxy: AuthProxy;

const { templates, secrets, ctx } = templateStore(3000);
const metric = templateMetric;

beforeAll(async () => {
  Object.assign(process.env, motoEnv);
  exporter.setTraffic("apps-podinfo-canaryupstream-9898_apps", {
    rps: 100,
    errorRate: 0.02,
    latencyMs: 30,
  });
  await exporter.start();
  await Promise.all([
    prometheus.start([`127.0.0.1:${exporter.port}`]),
    datadog.start(),
    moto.start(),
  ]);
  proxy = new AuthProxy(prometheus.url, [
    "Bearer s3cr3t",
    `Basic ${Buffer.from("siskin:pa55").toString("base64")}`,
  ]);
  await proxy.start();
  await eventually(
    async () => {
      const r = await fetch(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent("rate(envoy_cluster_upstream_rq[1m])")}`,
      );
      return (
        ((await r.json()) as { data: { result: unknown[] } }).data.result
          .length > 0
      );
    },
    { what: "Prometheus to scrape the exporter" },
  );
});

afterAll(async () => {
  await Promise.all([
    prometheus.stop(),
    datadog.stop(),
    moto.stop(),
    proxy?.stop(),
    exporter.stop(),
  ]);
});

describe("prometheus MetricTemplate", () => {
  const errorRate =
    'sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ namespace }}-{{ target }}-canaryupstream-9898_{{ namespace }}",envoy_response_code=~"{{ variables.codes }}"}[{{ interval }}])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name="{{ namespace }}-{{ target }}-canaryupstream-9898_{{ namespace }}"}[{{ interval }}])) * 100';
  const add = (
    name: string,
    query: string,
    extra: Partial<MetricTemplateSpec["provider"]> = {},
  ) =>
    templates.set(`apps/${name}`, {
      provider: { type: "prometheus", address: prometheus.url, ...extra },
      query,
    });

  it.each<
    [
      string,
      string,
      { min?: number; max?: number },
      string,
      RegExp | number | undefined,
    ]
  >([
    ["success", errorRate, { max: 5 }, "pass", 2],
    ["breach", errorRate, { max: 1 }, "fail", 2],
    ["NaN is no data", "vector(0) / 0", { max: 1 }, "nodata", undefined],
    [
      "an empty vector is no data",
      'envoy_cluster_upstream_rq{envoy_cluster_name="nope"}',
      { max: 1 },
      "nodata",
      undefined,
    ],
    [
      "a bad query is an error",
      "sum(rate(x[1m]",
      { max: 1 },
      "error",
      /Prometheus rejected the query \(HTTP 400\): .*parse error/,
    ],
    [
      "a range vector is an error",
      "envoy_cluster_upstream_rq[1m]",
      { max: 1 },
      "error",
      /returned a matrix result/,
    ],
  ])("%s", async (name, query, range, verdict, expected) => {
    add(name, query);
    const result = await runCheck(metric(name, range, { codes: "5.." }), ctx);
    expect(result.verdict).toBe(verdict);
    if (typeof expected === "number")
      expect(result.value).toBeCloseTo(expected, 0);
    if (expected instanceof RegExp) expect(result.message).toMatch(expected);
    if (verdict === "nodata") expect(result.value).toBeUndefined();
    if (name === "success")
      expect(result.query).toContain('envoy_response_code=~"5.."}[1m]');
  });

  it("reports a server that is down as an error, not as a breach", async () => {
    templates.set("apps/down", {
      provider: { type: "prometheus", address: "http://127.0.0.1:9" },
      query: "vector(1)",
    });
    const result = await runCheck(metric("down", { max: 1 }), ctx);
    expect(result).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(
        /Prometheus at http:\/\/127.0.0.1:9 is unreachable/,
      ),
    });
  });

  it.each([
    ["a bearer token", { token: "s3cr3t" }, "pass"],
    ["basic auth", { username: "siskin", password: "pa55" }, "pass"],
    ["a wrong token", { token: "guess" }, "error"],
  ])(
    "authenticates with %s from the Secret",
    async (_label, secret, verdict) => {
      templates.set("apps/authed", {
        provider: {
          type: "prometheus",
          address: proxy.url,
          secretRef: { name: "prom-auth" },
        },
        query: "vector(1)",
      });
      secrets.set("apps/prom-auth", secret);
      const result = await runCheck(metric("authed", { max: 5 }), ctx);
      expect(result.verdict).toBe(verdict);
      if (verdict === "error")
        expect(result.message).toMatch(/refused the credentials \(HTTP 401\)/);
    },
  );

  it("names a missing Secret and a missing key", async () => {
    templates.set("apps/no-secret", {
      provider: {
        type: "prometheus",
        address: proxy.url,
        secretRef: { name: "absent" },
      },
      query: "vector(1)",
    });
    expect((await runCheck(metric("no-secret", { max: 5 }), ctx)).message).toBe(
      "Secret apps/absent named by MetricTemplate apps/no-secret not found; create it",
    );
    templates.set("apps/half-basic", {
      provider: {
        type: "prometheus",
        address: proxy.url,
        secretRef: { name: "half" },
      },
      query: "vector(1)",
    });
    secrets.set("apps/half", { username: "siskin" });
    expect(
      (await runCheck(metric("half-basic", { max: 5 }), ctx)).message,
    ).toBe("Secret apps/half has no key password; add it");
  });
});

describe("datadog MetricTemplate", () => {
  beforeAll(() => {
    secrets.set("apps/datadog", {
      datadog_api_key: datadog.apiKey,
      datadog_application_key: datadog.applicationKey,
    });
    secrets.set("apps/datadog-wrong", {
      datadog_api_key: "wrong",
      datadog_application_key: "wrong",
    });
  });
  const add = (name: string, query: string, secret = "datadog") =>
    templates.set(`apps/${name}`, {
      provider: {
        type: "datadog",
        address: datadog.url,
        secretRef: { name: secret },
      },
      query,
    });

  it("judges the last point of the series over a window of 10 x interval", async () => {
    datadog.series.set("avg:latency{service:podinfo}", [
      [1, 900],
      [2, 120],
    ]);
    add("dd-latency", "avg:latency{service:{{ target }}}");
    const result = await runCheck(metric("dd-latency", { max: 500 }), ctx);
    expect(result).toMatchObject({ verdict: "pass", value: 120 });
    const request = datadog.requests.at(-1);
    expect(request?.query).toBe("avg:latency{service:podinfo}");
    expect((request?.to ?? 0) - (request?.from ?? 0)).toBe(600);
  });

  it.each([
    ["an empty series", "avg:none{*}", undefined],
    [
      "a null point",
      "avg:gap{*}",
      [
        [1, 5],
        [2, null],
      ] as [number, number | null][],
    ],
  ])("reports %s as no data", async (_label, query, points) => {
    if (points) datadog.series.set(query, points);
    add(`dd-${query}`, query);
    expect(
      (await runCheck(metric(`dd-${query}`, { max: 500 }), ctx)).verdict,
    ).toBe("nodata");
  });

  it("reports wrong keys as an error naming the cause", async () => {
    add("dd-wrong", "avg:latency{service:podinfo}", "datadog-wrong");
    const result = await runCheck(metric("dd-wrong", { max: 500 }), ctx);
    expect(result).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(
        /Datadog at .* refused the API\/application keys \(HTTP 403\)/,
      ),
    });
  });
});

describe("cloudwatch MetricTemplate", () => {
  const query = JSON.stringify([
    {
      Id: "errors",
      MetricStat: {
        Metric: {
          Namespace: "Siskin/Test",
          MetricName: "5xx",
          Dimensions: [{ Name: "Service", Value: "podinfo" }],
        },
        Period: 60,
        Stat: "Sum",
      },
    },
  ]);

  beforeAll(async () => {
    const client = new CloudWatchClient({
      region: "us-east-1",
      endpoint: moto.url,
    });
    await client.send(
      new PutMetricDataCommand({
        Namespace: "Siskin/Test",
        MetricData: [
          {
            MetricName: "5xx",
            Dimensions: [{ Name: "Service", Value: "podinfo" }],
            Value: 3,
            Timestamp: new Date(Date.now() - 90_000),
          },
        ],
      }),
    );
  });

  it("reads back a value put with PutMetricData", async () => {
    templates.set("apps/cw", {
      provider: { type: "cloudwatch", region: "us-east-1", address: moto.url },
      query,
    });
    const result = await runCheck(metric("cw", { max: 10 }), ctx);
    expect(result).toMatchObject({ verdict: "pass", value: 3 });
    const breach = await runCheck(metric("cw", { max: 1 }), ctx);
    expect(breach).toMatchObject({ verdict: "fail", value: 3 });
  });

  it("reports a region with no data as no data, and a malformed region as an error", async () => {
    templates.set("apps/cw-west", {
      provider: { type: "cloudwatch", region: "eu-west-1", address: moto.url },
      query,
    });
    expect((await runCheck(metric("cw-west", { max: 10 }), ctx)).verdict).toBe(
      "nodata",
    );
    templates.set("apps/cw-bad", {
      provider: {
        type: "cloudwatch",
        region: "us-east-one",
        address: moto.url,
      },
      query,
    });
    expect(
      (await runCheck(metric("cw-bad", { max: 10 }), ctx)).message,
    ).toMatch(/region "us-east-one" is not an AWS region/);
  });

  it("reports missing credentials as an error naming them", async () => {
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent";
    process.env.AWS_CONFIG_FILE = "/nonexistent";
    try {
      templates.set("apps/cw-nocreds", {
        provider: {
          type: "cloudwatch",
          region: "us-west-2",
          address: moto.url,
        },
        query,
      });
      const result = await runCheck(metric("cw-nocreds", { max: 10 }), ctx);
      expect(result).toMatchObject({
        verdict: "error",
        message: expect.stringMatching(/refused the credentials|credentials/i),
      });
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
