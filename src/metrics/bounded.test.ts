// The HTTP metric providers against local servers that answer too much, redirect, or cannot be reached
// at an address with credentials in it: each is an error that says so, no redirect is followed (the
// keys never reach another host), and no error message carries the credentials.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { datadogProvider } from "./datadog.ts";
import { prometheusProvider } from "./prometheus.ts";
import { shownCheck } from "./checks.ts";

let provider: HttpRecorder;
let elsewhere: HttpRecorder;

beforeAll(async () => {
  elsewhere = await new HttpRecorder().start();
  provider = await new HttpRecorder().start();
  provider.respond = (r) => {
    if (r.path.startsWith("/huge/"))
      return {
        status: 200,
        body: JSON.stringify({
          status: "success",
          data: {
            resultType: "vector",
            result: [{ value: [0, "1"], pad: "x".repeat(5 << 20) }],
          },
        }),
      };
    if (r.path.startsWith("/moved/"))
      return {
        status: 302,
        headers: { location: `${elsewhere.url}/api/v1/query` },
        body: "",
      };
    return { status: 404, body: "" };
  };
});
afterAll(async () => {
  await provider.stop();
  await elsewhere.stop();
});

const signal = () => AbortSignal.timeout(10_000);

describe("metric providers, bounded", () => {
  it("refuse an answer over 1 MiB instead of buffering it", async () => {
    const prometheus = prometheusProvider({ address: `${provider.url}/huge` });
    await expect(prometheus.query("up", signal())).rejects.toThrow(
      `Prometheus at ${provider.url}/huge answered more than 1 MiB; narrow the query to a single value`,
    );
  });

  it("never follow a redirect: the Datadog keys stay with the address set", async () => {
    const datadog = datadogProvider({
      address: `${provider.url}/moved`,
      apiKey: "dd-api-key",
      applicationKey: "dd-app-key",
      intervalMs: 60_000,
    });
    await expect(datadog.query("avg:x{*}", signal())).rejects.toThrow(
      /answered with a redirect \(HTTP 302 to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query\); redirects are not followed/,
    );
    const prometheus = prometheusProvider({
      address: `${provider.url}/moved`,
      bearerToken: "prom-token",
    });
    await expect(prometheus.query("up", signal())).rejects.toThrow(/redirect/);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("show addresses without their credentials", async () => {
    const prometheus = prometheusProvider({
      address: "http://admin:s3cr3t@127.0.0.1:9/",
    });
    const error = await prometheus.query("up", signal()).catch((e: Error) => e);
    expect(String(error)).toContain(
      "Prometheus at http://***@127.0.0.1:9/ is unreachable",
    );
    expect(String(error)).not.toContain("s3cr3t");
  });
});

describe("check results as shown", () => {
  it("cut the query and message, and drop userinfo", () => {
    const shown = shownCheck({
      metric: "m",
      verdict: "error",
      query: `sum(rate(x[1m])) ${"or vector(0) ".repeat(200)}`,
      message: `Prometheus at http://u:pw@prom/ failed: ${"e".repeat(5000)}`,
    });
    expect(shown.query).toHaveLength(503);
    expect(shown.query?.endsWith("...")).toBe(true);
    expect(shown.message).toHaveLength(1003);
    expect(shown.message).toContain("http://***@prom/");
  });
});
