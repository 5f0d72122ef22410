// An HTTP proxy on loopback in front of the API server that can make the watches going through it
// fall silent, as a half-open connection does: the client's connection stays open, nothing more
// arrives, and nothing tells it the stream is dead. Plain HTTP towards the client (so the proxy sees
// which requests are watches), HTTPS with the cluster's CA towards the API server; every other request
// passes untouched. freezeWatches() silences the watches open now; watches started later work.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

interface OpenWatch {
  path: string;
  frozen: boolean;
}

export class WatchFreezer {
  private server: Server | undefined;
  private readonly target: URL;
  private readonly ca: Buffer;
  private readonly watches = new Set<OpenWatch>();
  url = "";
  /** Watch requests seen so far, by path without the query. */
  readonly watchesStarted: string[] = [];

  constructor(server: string, caFile: string) {
    this.target = new URL(server);
    this.ca = readFileSync(caFile);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const isWatch = /[?&]watch=(true|1)(&|$)/.test(req.url ?? "");
      const path = (req.url ?? "").split("?")[0] ?? "";
      const watch: OpenWatch | undefined = isWatch
        ? { path, frozen: false }
        : undefined;
      if (watch) {
        this.watches.add(watch);
        this.watchesStarted.push(path);
      }
      const upstream = httpsRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: this.target.host },
          ca: this.ca,
        },
        (answer: IncomingMessage) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on("data", (chunk: Buffer) => {
            if (!watch?.frozen) res.write(chunk);
          });
          answer.on("end", () => {
            // A frozen watch never ends for its client either: that is what makes it half-open.
            if (!watch?.frozen) res.end();
          });
        },
      );
      upstream.on("error", () => res.destroy());
      res.on("close", () => {
        upstream.destroy();
        if (watch) this.watches.delete(watch);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) =>
      this.server?.listen(0, "127.0.0.1", resolve),
    );
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Silences every watch open now; returns how many. */
  freezeWatches(): number {
    for (const w of this.watches) w.frozen = true;
    return this.watches.size;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
