// /healthz (process up), /readyz (informers synced) and /metrics, on the operator's port.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthSource {
  /** True once every informer has listed its resources. */
  synced(): boolean;
}

export function createHttpServer(
  registry: Registry,
  health: HealthSource,
): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else if (path === "/readyz") {
      const ok = health.synced();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "text/plain" })
        .end(ok ? "ok" : "informers not synced");
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) =>
          res
            .writeHead(200, { "content-type": registry.contentType })
            .end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end("not found");
    }
  });
}
