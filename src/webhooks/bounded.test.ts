// What a webhook answers is read only as far as the summary needs: a receiver sending an endless body
// is cut off after a few KiB, and a timeout over the bound cannot overflow into an instant failure.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callWebhook } from "./call.ts";

const payload = {
  name: "p",
  namespace: "apps",
  phase: "Progressing",
  checksum: "c",
};
let server: Server;
let url = "";
/** Bytes the server managed to hand to the socket before the client went away, per request. */
const sent: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const chunk = Buffer.alloc(64 * 1024, "x");
    let total = 0;
    res.writeHead(200, { "content-type": "text/plain" });
    const pump = () => {
      // Up to 256 MiB, as fast as the reader takes it.
      while (total < 256 * 1024 * 1024 && !res.destroyed) {
        total += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => sent.push(total));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe("bounded webhook answers", () => {
  it("reads the start of a huge answer and closes the connection", async () => {
    const started = performance.now();
    const result = await callWebhook(
      { name: "big", url, timeout: "30s" },
      payload,
    );
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/^HTTP 200: x{300}\.\.\.$/);
    await new Promise((r) => setTimeout(r, 50));
    // Loopback socket buffers hold a few MiB; without the bound all 256 MiB would be read.
    expect(sent[0]).toBeLessThan(32 * 1024 * 1024);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
