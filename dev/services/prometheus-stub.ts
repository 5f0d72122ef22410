// A Prometheus query endpoint on 127.0.0.1 that answers what the caller decides, optionally after a
// delay: the fleet benchmark's "metrics answer in 200 ms", and tests that need a check to fail on cue.
// By default request-duration queries (histogram_quantile) get 20 (ms) and everything else 100 (%).
import { createServer, type Server } from "node:http";

export type Answer = (query: string) => number | undefined;

/** One query as the stub saw it (kept when `record` is set): the fleet benchmark's step split. */
export interface StubCall {
  query: string;
  /** When the request arrived and when its answer was sent (ms since the epoch). */
  at: number;
  answeredAt: number;
}

export const healthyAnswer: Answer = (query) =>
  query.includes("histogram_quantile") ? 20 : 100;

export class PrometheusStub {
  url = "";
  queries = 0;
  /** The value for a query; undefined answers an empty vector (no data). */
  answer: Answer;
  /** While true, every connection is cut without an answer, as an unreachable provider behaves. */
  unreachable = false;
  /** Every answered query, when constructed with `record: true`. */
  readonly calls: StubCall[] = [];
  private server: Server | undefined;
  private readonly delayMs: number;
  private readonly record: boolean;

  constructor(
    options: { delayMs?: number; answer?: Answer; record?: boolean } = {},
  ) {
    this.delayMs = options.delayMs ?? 0;
    this.answer = options.answer ?? healthyAnswer;
    this.record = options.record ?? false;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (this.record && url.pathname === "/__calls") {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(this.calls));
        return;
      }
      const query = url.searchParams.get("query") ?? "";
      this.queries++;
      if (this.unreachable) {
        req.socket.destroy();
        return;
      }
      const value = this.answer(query);
      const at = Date.now();
      setTimeout(() => {
        if (this.record) this.calls.push({ query, at, answeredAt: Date.now() });
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            status: "success",
            data: {
              resultType: "vector",
              result:
                value === undefined
                  ? []
                  : [{ metric: {}, value: [Date.now() / 1000, String(value)] }],
            },
          }),
        );
      }, this.delayMs);
    });
    await new Promise<void>((resolve) =>
      this.server?.listen(0, "127.0.0.1", resolve),
    );
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
