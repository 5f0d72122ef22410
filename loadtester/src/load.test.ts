import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHey } from "./hey-args.ts";
import { runLoad } from "./load.ts";

let server: Server;
let url = "";
const sockets = new Set<unknown>();
let hang = false;
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      bodies.push(`${req.method} ${req.headers["x-test"] ?? ""} ${body}`);
      if (hang) return; // never answers: the timeout must end it
      res.writeHead(req.url === "/missing" ? 404 : 200);
      res.end("ok");
    });
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const plan = (command: string) => {
  const parsed = parseHey(command);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.plan;
};
const never = new AbortController().signal;

describe("runLoad", () => {
  it("-z with -q sends exactly rate x workers x seconds and lasts the duration", async () => {
    const summary = await runLoad(plan(`hey -z 1s -c 4 -q 10 ${url}/`), never);
    expect(summary.requests).toBe(40);
    expect(summary.statusCodes).toEqual({ "200": 40 });
    expect(summary.durationMs).toBeGreaterThanOrEqual(1000);
    expect(summary.durationMs).toBeLessThan(1200);
  });

  it("-n sends exactly n with the method, headers and body; statuses are counted as answered", async () => {
    bodies.length = 0;
    const summary = await runLoad(
      plan(`hey -n 6 -c 2 -m POST -H "X-Test: yes" -d hello ${url}/missing`),
      never,
    );
    expect(summary.statusCodes).toEqual({ "404": 6 });
    expect(bodies).toEqual(Array(6).fill("POST yes hello"));
  });

  it("-disable-keepalive opens a connection per request; keep-alive one per worker", async () => {
    sockets.clear();
    await runLoad(plan(`hey -n 6 -c 2 ${url}/`), never);
    expect(sockets.size).toBe(2);
    sockets.clear();
    await runLoad(plan(`hey -n 6 -c 2 -disable-keepalive ${url}/`), never);
    expect(sockets.size).toBe(6);
  });

  it("a request past -t is an error; aborting ends the requests in flight at once", async () => {
    hang = true;
    try {
      const timedOut = await runLoad(plan(`hey -n 2 -c 1 -t 1 ${url}/`), never);
      expect(timedOut.statusCodes).toEqual({ error: 2 });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 200);
      const started = performance.now();
      const aborted = await runLoad(
        plan(`hey -z 10s -c 3 ${url}/`),
        abort.signal,
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(aborted.requests).toBe(0);
    } finally {
      hang = false;
    }
  });
});
