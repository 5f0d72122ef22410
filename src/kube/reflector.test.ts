// The list/watch loop on a fake clock: a watch that delivers nothing is taken for dead after the idle
// timeout (a real HTTP stream that stays silent), a watch the server ends at once backs off instead of
// looping, and a resource version that keeps expiring (410) relists with backoff.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { KubeClient, type WatchEvent } from "./client/http.ts";
import { Reflector, type StoredObject } from "./reflector.ts";

const logger = pino({ level: "silent" });
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A client whose LIST answers version "1" and whose WATCH does what the test says. */
function fakeClient(
  watch: (onEvent: (e: WatchEvent) => void) => Promise<void>,
) {
  const calls = { list: 0, watch: 0 };
  const client = {
    request: async () => {
      calls.list++;
      return { metadata: { resourceVersion: "1" }, items: [] };
    },
    watch: async (
      _path: string,
      _query: unknown,
      onEvent: (e: WatchEvent) => void,
    ) => {
      calls.watch++;
      await watch(onEvent);
    },
  } as unknown as KubeClient;
  return { client, calls };
}

async function runFor(clock: FakeClock, ms: number) {
  for (let t = 0; t < ms; t += 50) {
    clock.advance(50);
    await settle();
  }
}

describe("Reflector", () => {
  it("a watch the server ends at once backs off instead of looping", async () => {
    const clock = new FakeClock(0);
    const { client, calls } = fakeClient(async () => {});
    const reflector = new Reflector<StoredObject>({
      client,
      clock,
      logger,
      path: "/api/v1/configmaps",
      random: () => 0.5,
    });
    void reflector.start();
    await settle();
    // Guard: the previous code looped without a pause; stop it before it hangs the test.
    if (calls.watch > 1000) await reflector.stop();
    await runFor(clock, 10_000);
    await reflector.stop();
    // 0.5 s, 1 s, 2 s, 4 s (+-50 % jitter) between attempts: a handful in 10 s, not thousands.
    expect(calls.watch).toBeGreaterThanOrEqual(3);
    expect(calls.watch).toBeLessThanOrEqual(8);
    expect(reflector.restarts).toBe(calls.watch);
  });

  it("a resource version that keeps expiring (410) relists with backoff", async () => {
    const clock = new FakeClock(0);
    const { client, calls } = fakeClient(async (onEvent) =>
      onEvent({
        type: "ERROR",
        object: { code: 410, message: "too old resource version" },
      }),
    );
    const reflector = new Reflector<StoredObject>({
      client,
      clock,
      logger,
      path: "/api/v1/configmaps",
      random: () => 0.5,
    });
    void reflector.start();
    await settle();
    if (calls.list > 1000) await reflector.stop();
    await runFor(clock, 10_000);
    await reflector.stop();
    // The first expiry relists at once; the following ones wait 0.5 s, 1 s, 2 s, 4 s ...
    expect(calls.list).toBeGreaterThanOrEqual(3);
    expect(calls.list).toBeLessThanOrEqual(8);
  });
  it("tells of each change a watch brings, not of bookmarks", async () => {
    const clock = new FakeClock(0);
    const object = (rv: string) => ({
      metadata: { name: "a", namespace: "ns", resourceVersion: rv },
    });
    const { client } = fakeClient(async (onEvent) => {
      onEvent({ type: "ADDED", object: object("2") });
      onEvent({ type: "BOOKMARK", object: object("3") });
      onEvent({ type: "MODIFIED", object: object("4") });
      onEvent({ type: "DELETED", object: object("5") });
    });
    let told = 0;
    const reflector = new Reflector<StoredObject>({
      client,
      clock,
      logger,
      path: "/api/v1/configmaps",
      onWatchEvent: () => void told++,
    });
    void reflector.start();
    await settle();
    await reflector.stop();
    expect(told).toBe(3);
    expect(reflector.get("a", "ns")).toBeUndefined();
  });
});

describe("KubeClient.watch", () => {
  let server: Server;
  let url = "";
  beforeAll(async () => {
    // Answers a watch with its headers, then never sends a byte (a half-open connection looks so).
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("takes a watch that delivers nothing for the idle timeout for dead", async () => {
    const clock = new FakeClock(0);
    const client = new KubeClient(
      {
        server: url,
        insecureSkipTlsVerify: false,
        namespace: "default",
        credentials: { type: "none" },
        source: "test",
      },
      { clock },
    );
    let outcome: string | undefined;
    const watching = client
      .watch(
        "/api/v1/configmaps",
        { timeoutSeconds: 600 },
        () => undefined,
        new AbortController().signal,
        { idleTimeoutMs: 180_000 },
      )
      .then(
        () => (outcome = "ended"),
        (e: Error) => (outcome = e.message),
      );
    await new Promise((r) => setTimeout(r, 100)); // the real request reaches the server
    clock.advance(179_000);
    await settle();
    expect(outcome).toBeUndefined();
    clock.advance(1000);
    await watching;
    expect(outcome).toMatch(
      /no event or bookmark for 180s: the connection is taken for dead/,
    );
    client.close();
  });
});
