// A reverse proxy on 127.0.0.1 that demands a bearer token or basic credentials before passing a
// request to a loopback upstream (Prometheus has no bearer auth of its own).
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class AuthProxy {
  url = "";
  private server: Server | undefined;
  private readonly upstream: string;
  private readonly accepted: string[];

  constructor(upstream: string, accepted: string[]) {
    this.upstream = upstream;
    this.accepted = accepted;
  }

  async start(): Promise<void> {
    const target = new URL(this.upstream);
    if (target.hostname !== "127.0.0.1")
      throw new Error("the auth proxy only forwards to loopback");
    this.server = createServer((req, res) => {
      if (!this.accepted.includes(req.headers.authorization ?? ""))
        return void res.writeHead(401).end("unauthorized");
      const forward = request(
        {
          host: "127.0.0.1",
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host },
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) =>
      this.server?.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
