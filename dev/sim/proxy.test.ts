import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../services/http-recorder.ts";
import { forward } from "./proxy.ts";

describe("gateway forwarding", () => {
  let backend: HttpRecorder;
  let front: http.Server;
  let url = "";
  beforeAll(async () => {
    backend = await new HttpRecorder().start();
    front = http.createServer(
      (req, res) => void forward(backend.url, req, res),
    );
    await new Promise<void>((r) =>
      front.listen({ host: "127.0.0.1", port: 0 }, r),
    );
    url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
    await backend.stop();
  });

  it("keeps the path as sent, even one that looks protocol-relative", async () => {
    for (const path of ["/", "//x", "/status/500?a=1"]) {
      const answer = await new Promise<number>((resolve, reject) => {
        http
          .get(`${url}${path}`, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          })
          .on("error", reject);
      });
      expect(answer).toBe(200);
      expect(backend.requests.at(-1)?.path).toBe(path);
    }
  });

  it("refuses to forward anywhere but loopback", () => {
    expect(() =>
      forward(
        "http://10.0.0.1:80",
        { url: "/" } as http.IncomingMessage,
        {} as http.ServerResponse,
      ),
    ).toThrow(/loopback only/);
  });
});
