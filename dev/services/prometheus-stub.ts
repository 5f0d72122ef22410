// A Prometheus query endpoint that answers healthy values after a fixed delay, on 127.0.0.1: the busy
// fleet's "metrics answer in 200 ms". request-duration queries get 20 (ms), everything else 100 (%).
import { createServer, type Server } from "node:http";

export class SlowMetricsServer {
  url = "";
  queries = 0;
  private server: Server | undefined;
  private readonly delayMs: number;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const query = url.searchParams.get("query") ?? "";
      this.queries++;
      const value = query.includes("histogram_quantile") ? "20" : "100";
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            status: "success",
            data: {
              resultType: "vector",
              result: [{ metric: {}, value: [Date.now() / 1000, value] }],
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
