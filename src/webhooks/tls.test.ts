// webhooks[].disableTLS (a Flagger field): an https hook with a self-signed certificate fails unless the
// hook says not to check it. The certificate is made here with openssl, the server is real https.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callWebhook } from "./call.ts";

const payload = {
  name: "podinfo",
  namespace: "apps",
  phase: "Progressing",
  checksum: "c",
};

describe("webhooks[].disableTLS", () => {
  let server: Server;
  let url = "";
  let calls = 0;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    server = createServer(
      {
        key: readFileSync(join(dir, "key.pem")),
        cert: readFileSync(join(dir, "cert.pem")),
      },
      (_req, res) => {
        calls += 1;
        res.end("ok");
      },
    );
    rmSync(dir, { recursive: true });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/gate`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses a self-signed certificate by default", async () => {
    const before = calls;
    const result = await callWebhook({ name: "h", url, retries: 0 }, payload);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/certificate/i);
    expect(calls).toBe(before);
  });

  it("calls the hook when disableTLS is set", async () => {
    const before = calls;
    const result = await callWebhook(
      { name: "h", url, disableTLS: true },
      payload,
    );
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
    expect(calls).toBe(before + 1);
  });
});
