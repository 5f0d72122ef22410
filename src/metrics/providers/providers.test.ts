// New Relic, Dynatrace, Graphite and InfluxDB (Cloud Monitoring: stackdriver.test.ts) through the MetricTemplate registry, each against a local
// server that answers as the provider's published HTTP API does (request path, auth header, answer
// shape, empty and error answers). Each outcome is asserted: a value, no data, an error that says why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HttpRecorder,
  type RecordedRequest,
} from "../../../dev/services/http-recorder.ts";
import type { MetricTemplateSpec } from "../../api/templates.ts";
import { templateProvider } from "../registry.ts";
import { firstFluxValue } from "./influxdb.ts";

let server: HttpRecorder;
type Answer = { status: number; body?: string };
let answer: (r: RecordedRequest, url: URL) => Answer = () => ({ status: 500 });

beforeAll(async () => {
  server = await new HttpRecorder().start();
  server.respond = (r) => answer(r, new URL(r.path, server.url));
});
afterAll(() => server.stop());

const signal = () => AbortSignal.timeout(3000);
function provider(
  spec: MetricTemplateSpec["provider"],
  secret?: Record<string, string>,
) {
  return templateProvider({
    template: {
      namespace: "apps",
      name: "t",
      spec: { provider: spec, query: "q" },
    },
    secret,
    intervalMs: 60_000,
    timeoutMs: 2000,
  });
}
const last = () => server.requests.at(-1)!;

describe("New Relic (Insights query API)", () => {
  const nr = () =>
    provider(
      { type: "newrelic", address: server.url, secretRef: { name: "nr" } },
      { newrelic_account_id: "1234", newrelic_query_key: "NRIQ-key" },
    );
  it("GETs /v1/accounts/<id>/query with the NRQL and X-Query-Key; reads results[0].result", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ results: [{ result: 99.5 }] }),
    });
    expect(
      await nr().query(
        "SELECT percentage(count(*), WHERE error IS false) AS result FROM Transaction",
        signal(),
      ),
    ).toBe(99.5);
    const url = new URL(last().path, server.url);
    expect(url.pathname).toBe("/v1/accounts/1234/query");
    expect(url.searchParams.get("nrql")).toBe(
      "SELECT percentage(count(*), WHERE error IS false) AS result FROM Transaction SINCE 60 seconds ago",
    );
    expect(last().headers["x-query-key"]).toBe("NRIQ-key");
  });
  it("a null result is no data; a refused key is an error naming the provider", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ results: [{ result: null }] }),
    });
    expect(await nr().query("q", signal())).toBeUndefined();
    answer = () => ({ status: 403, body: '{"error":"invalid key"}' });
    await expect(nr().query("q", signal())).rejects.toThrow(
      /New Relic at .* refused the credentials \(HTTP 403\)/,
    );
  });
  it("refuses a Secret without the keys, naming the key", () => {
    expect(() =>
      provider(
        { type: "newrelic", secretRef: { name: "nr" } },
        { newrelic_query_key: "k" },
      ),
    ).toThrow(/Secret apps\/nr has no key newrelic_account_id/);
  });
});

describe("Dynatrace (metrics API v2)", () => {
  const dt = () =>
    provider(
      { type: "dynatrace", address: server.url, secretRef: { name: "dt" } },
      { dynatrace_token: "dt0c01.abc" },
    );
  it("GETs /api/v2/metrics/query with metricSelector, resolution=Inf over 10 intervals and Api-Token", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({
        totalCount: 1,
        resolution: "Inf",
        result: [
          {
            metricId: "builtin:service.response.time",
            data: [{ dimensions: [], timestamps: [1], values: [312.5] }],
          },
        ],
      }),
    });
    expect(
      await dt().query("builtin:service.response.time:avg", signal()),
    ).toBe(312.5);
    const url = new URL(last().path, server.url);
    expect(url.pathname).toBe("/api/v2/metrics/query");
    expect(url.searchParams.get("metricSelector")).toBe(
      "builtin:service.response.time:avg",
    );
    expect(url.searchParams.get("resolution")).toBe("Inf");
    expect(
      Number(url.searchParams.get("to")) - Number(url.searchParams.get("from")),
    ).toBe(600_000);
    expect(last().headers.authorization).toBe("Api-Token dt0c01.abc");
  });
  it("no series or a null value is no data; a 400 is the query rejected, with Dynatrace's message", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ result: [{ data: [] }] }),
    });
    expect(await dt().query("m", signal())).toBeUndefined();
    answer = () => ({
      status: 200,
      body: JSON.stringify({ result: [{ data: [{ values: [null] }] }] }),
    });
    expect(await dt().query("m", signal())).toBeUndefined();
    answer = () => ({
      status: 400,
      body: '{"error":{"code":400,"message":"The metric selector is invalid"}}',
    });
    await expect(dt().query("m(", signal())).rejects.toThrow(
      /Dynatrace rejected the query \(HTTP 400\): .*metric selector is invalid/,
    );
  });
});

describe("Graphite (render API)", () => {
  it("GETs /render with the query's parameters and format=json; the last non-null point; basic auth", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify([
        {
          target: "a",
          datapoints: [
            [1, 100],
            [2.5, 160],
            [null, 220],
          ],
        },
      ]),
    });
    const g = provider(
      {
        type: "graphite",
        address: `${server.url}/graphite`,
        secretRef: { name: "g" },
      },
      { username: "ops", password: "pw" },
    );
    expect(
      await g.query(
        "target=summarize(stats.errors, '1min')\n  &from=-5min",
        signal(),
      ),
    ).toBe(2.5);
    const url = new URL(last().path, server.url);
    expect(url.pathname).toBe("/graphite/render");
    expect(url.searchParams.get("target")).toBe(
      "summarize(stats.errors, '1min')",
    );
    expect(url.searchParams.get("from")).toBe("-5min");
    expect(url.searchParams.get("format")).toBe("json");
    expect(last().headers.authorization).toBe(
      `Basic ${Buffer.from("ops:pw").toString("base64")}`,
    );
  });
  it("only nulls or no series is no data; a Secret without password is refused", async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify([{ target: "a", datapoints: [[null, 1]] }]),
    });
    expect(
      await provider({ type: "graphite", address: server.url }).query(
        "target=a",
        signal(),
      ),
    ).toBeUndefined();
    answer = () => ({ status: 200, body: "[]" });
    expect(
      await provider({ type: "graphite", address: server.url }).query(
        "target=a",
        signal(),
      ),
    ).toBeUndefined();
    expect(() =>
      provider(
        { type: "graphite", address: server.url, secretRef: { name: "g" } },
        { username: "ops" },
      ),
    ).toThrow(/has no key password/);
  });
});

describe("InfluxDB 2 (Flux query API)", () => {
  const csv = [
    "#datatype,string,long,dateTime:RFC3339,double",
    "#group,false,false,false,false",
    "#default,_result,,,",
    ",result,table,_time,_value",
    ",,0,2026-12-02T10:00:00Z,0.0123",
    "",
  ].join("\r\n");
  const influx = () =>
    provider(
      { type: "influxdb", address: server.url, secretRef: { name: "i" } },
      { token: "influx-token", org: "platform" },
    );
  it("POSTs the Flux body to /api/v2/query?org= with a Token header and reads _value from the CSV", async () => {
    answer = () => ({ status: 200, body: csv });
    const flux = 'from(bucket: "envoy") |> range(start: -1m) |> last()';
    expect(await influx().query(flux, signal())).toBe(0.0123);
    expect(last().method).toBe("POST");
    const url = new URL(last().path, server.url);
    expect(url.pathname).toBe("/api/v2/query");
    expect(url.searchParams.get("org")).toBe("platform");
    expect(last().headers.authorization).toBe("Token influx-token");
    expect(last().headers["content-type"]).toBe("application/vnd.flux");
    expect(last().body).toBe(flux);
  });
  it("no record is no data (Flagger reports 0); an error answer is the query rejected", async () => {
    answer = () => ({ status: 200, body: "\r\n" });
    expect(await influx().query("x", signal())).toBeUndefined();
    answer = () => ({
      status: 400,
      body: '{"code":"invalid","message":"compilation failed: error at @1:1"}',
    });
    await expect(influx().query("x", signal())).rejects.toThrow(
      /InfluxDB rejected the query \(HTTP 400\): .*compilation failed/,
    );
    expect(() =>
      provider(
        { type: "influxdb", address: server.url, secretRef: { name: "i" } },
        { token: "t" },
      ),
    ).toThrow(/has no key org/);
  });
  it("a table without _value says how to fix the query", () => {
    expect(() =>
      firstFluxValue(",result,table,_time\r\n,,0,2026-12-02T10:00:00Z\r\n"),
    ).toThrow(/_value/);
  });
});

describe("types Siskin refuses", () => {
  it("keptn is refused with the reason", () => {
    expect(() => provider({ type: "keptn" })).toThrow(
      /Keptn project is archived/,
    );
  });
});
