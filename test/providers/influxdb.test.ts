// The influxdb MetricTemplate against a real InfluxDB (1.8 with Flux on /api/v2/query, auth on): a
// value, a breach, no data, a query Flux rejects, a token it refuses, reachability.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricTemplateSpec } from "../../src/api/templates.ts";
import { runCheck } from "../../src/metrics/checks.ts";
import { templateProvider } from "../../src/metrics/registry.ts";
import { templateMetric, templateStore } from "../support/check-context.ts";
import { InfluxDb } from "../support/influxdb.ts";

const influx = new InfluxDb();
const { templates, secrets, ctx } = templateStore();

const template = (query: string, secret = "influx"): MetricTemplateSpec => ({
  provider: {
    type: "influxdb",
    address: influx.url,
    secretRef: { name: secret },
  },
  query,
});
const check = (
  query: string,
  range: { min?: number; max?: number },
  secret?: string,
) => {
  templates.set("apps/influx", template(query, secret));
  return runCheck(templateMetric("influx", range), ctx);
};
const latency = (measurement: string) =>
  `from(bucket: "envoy/autogen") |> range(start: -5m) |> filter(fn: (r) => r._measurement == "${measurement}" and r.app == "{{ target }}") |> last()`;

beforeAll(async () => {
  await influx.start();
  secrets.set("apps/influx", {
    token: `${influx.admin.username}:${influx.admin.password}`,
    org: "platform",
  });
  secrets.set("apps/influx-wrong", { token: "siskin:wrong", org: "platform" });
  await influx.influxQl("CREATE DATABASE envoy");
  const now = Math.floor(Date.now() / 1000);
  await influx.write("envoy", [
    `latency,app=podinfo value=0.45 ${now - 20}`,
    `latency,app=podinfo value=0.12 ${now - 10}`,
    `latency,app=other value=9 ${now - 10}`,
  ]);
}, 900_000);
afterAll(() => influx.stop());

describe("influxdb MetricTemplate against InfluxDB 1.8 (Flux)", () => {
  it("judges the last _value of the Flux answer for the rendered target", async () => {
    expect(await check(latency("latency"), { max: 0.5 })).toMatchObject({
      verdict: "pass",
      value: 0.12,
    });
    expect(await check(latency("latency"), { max: 0.1 })).toMatchObject({
      verdict: "fail",
      value: 0.12,
    });
  });

  it("no record is no data (Flagger reports 0, which would pass a max threshold on nothing)", async () => {
    expect((await check(latency("missing"), { max: 0.5 })).verdict).toBe(
      "nodata",
    );
  });

  it("a query Flux rejects and a refused token are errors that say which", async () => {
    expect(
      await check('from(bucket: "envoy/autogen") |> nope()', { max: 1 }),
    ).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(
        /InfluxDB rejected the query \(HTTP 500\): .*undefined identifier/,
      ),
    });
    expect(
      await check(latency("latency"), { max: 1 }, "influx-wrong"),
    ).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(
        /InfluxDB at .* refused the credentials \(HTTP 401\)/,
      ),
    });
  });

  it("is online with the right token, not with a wrong one", async () => {
    const provider = (secret: string) =>
      templateProvider({
        template: { namespace: "apps", name: "i", spec: template("x", secret) },
        secret: secrets.get(`apps/${secret}`),
        intervalMs: 60_000,
        timeoutMs: 5000,
      });
    expect(await provider("influx").isOnline(AbortSignal.timeout(5000))).toBe(
      true,
    );
    expect(
      await provider("influx-wrong").isOnline(AbortSignal.timeout(5000)),
    ).toBe(false);
  });
});
