// An HTTP server on 127.0.0.1 that records every request (method, path, headers, body) and answers
// with a configurable responder: the stand-in for load-test targets, chat tools and webhook receivers.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** The answer to a request; undefined leaves it unanswered (a server that hangs). */
export type Responder = (
  req: RecordedRequest,
) =>
  | { status: number; body?: string; headers?: Record<string, string> }
  | undefined;

export class HttpRecorder {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  url = "";
  respond: Responder = () => ({ status: 200, body: "ok" });

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const recorded = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body,
          at: Date.now(),
        };
        this.requests.push(recorded);
        const answer = this.respond(recorded);
        if (answer)
          res.writeHead(answer.status, answer.headers).end(answer.body ?? "");
      });
    });
    await new Promise<void>((resolve) =>
      this.server?.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  json<T>(): T[] {
    return this.requests.map((r) => JSON.parse(r.body) as T);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
