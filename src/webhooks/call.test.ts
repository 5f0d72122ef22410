// The webhook client against a local server: payload, 2xx success (204 included), failure bodies,
// timeouts and retries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { callWebhook, callWebhooks } from "./call.ts";

const payload = {
  name: "podinfo",
  namespace: "apps",
  phase: "Progressing",
  checksum: "abc",
};

describe("webhook calls", () => {
  let server: HttpRecorder;
  beforeAll(async () => {
    server = await new HttpRecorder().start();
    server.respond = (r) => {
      if (r.path === "/no-content") return { status: 204 };
      if (r.path === "/closed") return { status: 403, body: "gate\n  closed" };
      if (r.path === "/flaky") {
        const tries = server.requests.filter((x) => x.path === "/flaky").length;
        return tries < 3
          ? { status: 503, body: "busy" }
          : { status: 200, body: "ok" };
      }
      return { status: 200, body: "ok" };
    };
  });
  afterAll(() => server.stop());

  it("POSTs Flagger's payload with the hook's metadata; any 2xx passes", async () => {
    const result = await callWebhook(
      {
        name: "a",
        type: "pre-rollout",
        url: `${server.url}/no-content`,
        metadata: { type: "bash", cmd: "x" },
      },
      payload,
    );
    expect(result).toEqual({
      name: "a",
      type: "pre-rollout",
      ok: true,
      statusCode: 204,
      message: "HTTP 204",
    });
    expect(JSON.parse(server.requests.at(-1)?.body ?? "")).toEqual({
      ...payload,
      metadata: { type: "bash", cmd: "x" },
    });
  });

  it("a refusal carries the status and the response body", async () => {
    const result = await callWebhook(
      { name: "gate", type: "confirm-rollout", url: `${server.url}/closed` },
      payload,
    );
    expect(result).toMatchObject({
      ok: false,
      statusCode: 403,
      message: "HTTP 403: gate closed",
    });
  });

  it("retries errors and 5xx, not 4xx; a type defaults to rollout", async () => {
    const flaky = await callWebhook(
      { name: "f", url: `${server.url}/flaky`, retries: 3 },
      payload,
    );
    expect(flaky).toMatchObject({ ok: true, type: "rollout" });
    expect(server.requests.filter((r) => r.path === "/flaky")).toHaveLength(3);
    const before = server.requests.length;
    await callWebhook(
      { name: "g", url: `${server.url}/closed`, retries: 3 },
      payload,
    );
    expect(server.requests.length - before).toBe(1);
  });

  it("gives up after the hook's timeout", async () => {
    const silent = await new HttpRecorder().start();
    silent.respond = () => undefined; // never answers
    const started = Date.now();
    const result = await callWebhook(
      { name: "slow", url: "http://127.0.0.1:9/", timeout: "1s" },
      payload,
    );
    expect(result.ok).toBe(false);
    const hung = await callWebhook(
      { name: "hung", url: `${silent.url}/`, timeout: "1s" },
      payload,
    );
    await silent.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hung).toMatchObject({ ok: false, message: "no answer within 1s" });
  });

  it("calls only the wanted types, in the Canary's order", async () => {
    const before = server.requests.length;
    const results = await callWebhooks(
      [
        { name: "one", type: "rollout", url: `${server.url}/1` },
        { name: "two", type: "pre-rollout", url: `${server.url}/2` },
        { name: "three", url: `${server.url}/3` },
      ],
      ["rollout"],
      payload,
    );
    expect(results.map((r) => r.name)).toEqual(["one", "three"]);
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([
      "/1",
      "/3",
    ]);
  });
});
