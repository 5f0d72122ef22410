// A local stand-in for Datadog's v1 API, implementing the documented shapes: GET /api/v1/query
// (query, from, to; DD-API-KEY and DD-APPLICATION-KEY headers) and GET /api/v1/validate.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Point = [number, number | null];

export class DatadogStub {
  url = "";
  readonly apiKey = "dd-api-key-for-tests";
  readonly applicationKey = "dd-app-key-for-tests";
  /** Points returned for each query text; an unknown query returns no series. */
  readonly series = new Map<string, Point[]>();
  readonly requests: { query: string; from: number; to: number }[] = [];
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const json = (status: number, body: unknown) =>
        res
          .writeHead(status, { "content-type": "application/json" })
          .end(JSON.stringify(body));
      if (req.headers["dd-api-key"] !== this.apiKey)
        return json(403, { errors: ["Forbidden"] });
      if (url.pathname === "/api/v1/validate")
        return json(200, { valid: true });
      if (url.pathname !== "/api/v1/query")
        return json(404, { errors: ["Not found"] });
      if (req.headers["dd-application-key"] !== this.applicationKey)
        return json(403, { errors: ["Forbidden"] });
      const query = url.searchParams.get("query") ?? "";
      const from = Number(url.searchParams.get("from"));
      const to = Number(url.searchParams.get("to"));
      if (!query || !from || !to)
        return json(400, {
          status: "error",
          error: "query, from and to are required",
        });
      this.requests.push({ query, from, to });
      const points = this.series.get(query);
      json(200, {
        status: "ok",
        res_type: "time_series",
        from_date: from * 1000,
        to_date: to * 1000,
        query,
        series: points
          ? [{ metric: query, pointlist: points, length: points.length }]
          : [],
      });
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
