// Splunk Observability (SignalFlow) against a local server that answers as the HTTP streaming endpoint
// does: POST /v2/signalflow/execute with X-SF-Token and the program as the body, answered with
// server-sent events (control messages, metadata, data batches, an error or an abort), and
// GET /v2/metric?limit=1 for reachability.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HttpRecorder,
  type RecordedRequest,
} from "../../../dev/services/http-recorder.ts";
import { templateProvider } from "../registry.ts";
import { serverEvents, splunkHost } from "./splunk.ts";

let server: HttpRecorder;
let answer: (r: RecordedRequest) => { status: number; body?: string } = () => ({
  status: 500,
});

beforeAll(async () => {
  server = await new HttpRecorder().start();
  server.respond = (r) => ({
    ...answer(r),
    headers: { "Content-Type": "text/event-stream" },
  });
});
afterAll(() => server.stop());

const signal = () => AbortSignal.timeout(3000);
const splunk = (
  secret: Record<string, string> = { sf_token_key: "sf-token" },
) =>
  templateProvider({
    template: {
      namespace: "apps",
      name: "t",
      spec: {
        provider: {
          type: "splunk",
          address: server.url,
          secretRef: { name: "s" },
        },
        query: "q",
      },
    },
    secret,
    intervalMs: 60_000,
    timeoutMs: 2000,
  });
const last = () => server.requests.at(-1)!;

/** A SignalFlow event stream: each message as `event:` and pretty-printed JSON `data:` lines. */
const stream = (...messages: [string, unknown][]) =>
  messages
    .map(
      ([event, data]) =>
        `event: ${event}\n` +
        JSON.stringify(data, null, 2)
          .split("\n")
          .map((line) => `data: ${line}`)
          .join("\n") +
        "\n\n",
    )
    .join("");
const start = [
  "control-message",
  { event: "STREAM_START", timestampMs: 1 },
] as [string, unknown];
const end = [
  "control-message",
  { event: "END_OF_CHANNEL", timestampMs: 9 },
] as [string, unknown];
const batch = (...points: [string, number | null][]) =>
  [
    "data",
    {
      data: points.map(([tsId, value]) => ({ tsId, value })),
      logicalTimestampMs: 1_700_000_000_000,
    },
  ] as [string, unknown];

describe("Splunk Observability (SignalFlow)", () => {
  it("POSTs the program to /v2/signalflow/execute over ten intervals with X-SF-Token; the last value of the series", async () => {
    answer = () => ({
      status: 200,
      body: stream(
        start,
        ["metadata", { tsId: "AAA", properties: { sf_metric: "latency" } }],
        batch(["AAA", 0.2]),
        batch(["AAA", null]),
        batch(["AAA", 0.35]),
        end,
      ),
    });
    const program =
      "data('latency', filter=filter('app', 'podinfo')).mean().publish()";
    const before = Date.now();
    expect(await splunk().query(program, signal())).toBe(0.35);
    const request = last();
    expect(request.method).toBe("POST");
    const url = new URL(request.path, server.url);
    expect(url.pathname).toBe("/v2/signalflow/execute");
    expect(url.searchParams.get("immediate")).toBe("true");
    const stop = Number(url.searchParams.get("stop"));
    expect(stop).toBeGreaterThanOrEqual(before);
    expect(stop - Number(url.searchParams.get("start"))).toBe(600_000);
    expect(request.headers["x-sf-token"]).toBe("sf-token");
    expect(request.headers["content-type"]).toMatch(/^text\/plain/);
    expect(request.body).toBe(program);
  });

  it("no value is no data; several series, an error event, an abort and an HTTP error are errors that say why", async () => {
    answer = () => ({
      status: 200,
      body: stream(start, batch(["AAA", null]), end),
    });
    expect(await splunk().query("p", signal())).toBeUndefined();
    answer = () => ({ status: 200, body: stream(start, end) });
    expect(await splunk().query("p", signal())).toBeUndefined();

    answer = () => ({
      status: 200,
      body: stream(start, batch(["AAA", 1], ["BBB", 2]), end),
    });
    await expect(splunk().query("p", signal())).rejects.toThrow(
      /published 2 time series; it must publish one/,
    );
    answer = () => ({
      status: 200,
      body: stream(start, [
        "error",
        {
          error: 400,
          errorType: "ANALYTICS_PROGRAM_NAME_ERROR",
          message: "data is not defined",
        },
      ]),
    });
    await expect(splunk().query("p", signal())).rejects.toThrow(
      /Splunk rejected the SignalFlow program: data is not defined/,
    );
    answer = () => ({
      status: 200,
      body: stream(start, [
        "control-message",
        {
          event: "CHANNEL_ABORT",
          abortInfo: { sf_job_abortReason: "Job limit exceeded" },
        },
      ]),
    });
    await expect(splunk().query("p", signal())).rejects.toThrow(
      /aborted the SignalFlow computation: Job limit exceeded/,
    );
    answer = () => ({ status: 401, body: '{"message":"Unauthorized"}' });
    await expect(splunk().query("p", signal())).rejects.toThrow(
      /refused the credentials \(HTTP 401\)/,
    );
  });

  it("checks reachability with GET /v2/metric?limit=1; a missing sf_token_key names the key", async () => {
    answer = () => ({ status: 200, body: '{"count":1,"results":[]}' });
    expect(await splunk().isOnline(signal())).toBe(true);
    const url = new URL(last().path, server.url);
    expect(`${last().method} ${url.pathname}${url.search}`).toBe(
      "GET /v2/metric?limit=1",
    );
    expect(last().headers["x-sf-token"]).toBe("sf-token");
    answer = () => ({ status: 401 });
    expect(await splunk().isOnline(signal())).toBe(false);
    expect(() => splunk({})).toThrow(/Secret apps\/s has no key sf_token_key/);
  });

  it("reaches the realm's stream host from Flagger's api or wss address", () => {
    expect(splunkHost("https://api.us1.signalfx.com", "stream")).toBe(
      "https://stream.us1.signalfx.com",
    );
    expect(splunkHost("wss://stream.eu0.signalfx.com", "stream")).toBe(
      "https://stream.eu0.signalfx.com",
    );
    expect(splunkHost("wss://stream.eu0.signalfx.com", "api")).toBe(
      "https://api.eu0.signalfx.com",
    );
    expect(splunkHost("http://127.0.0.1:8080/", "api")).toBe(
      "http://127.0.0.1:8080",
    );
  });

  it("reads server-sent events as the standard does (comments, CRLF, multi-line data)", () => {
    expect(
      serverEvents(
        ': keep-alive\r\nevent: data\r\ndata: {\r\ndata:  "a": 1}\r\n\r\ndata: x\n\n',
      ),
    ).toEqual([
      { event: "data", data: '{\n "a": 1}' },
      { event: "message", data: "x" },
    ]);
  });
});
