// Test exporter serving Envoy's upstream metrics with values the test controls, for a real
// Prometheus to scrape. Counters grow with the configured request rate, so rate() works as in Envoy.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Traffic {
  /** Requests per second. */
  rps: number;
  /** Fraction of requests answered 500 (0..1). */
  errorRate: number;
  /** Latency of every request, in ms. */
  latencyMs: number;
}

const buckets = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

interface ClusterCounters {
  traffic: Traffic;
  ok: number;
  errors: number;
  bucketCounts: number[];
  sumMs: number;
  lastUpdate: number;
}

export class EnvoyExporter {
  private readonly clusters = new Map<string, ClusterCounters>();
  private server: Server | undefined;
  port = 0;

  /** Sets the traffic of one Envoy cluster (`<upstream>_<namespace>`) from now on. */
  setTraffic(cluster: string, traffic: Traffic): void {
    const existing = this.clusters.get(cluster);
    if (existing) {
      this.advance(existing);
      existing.traffic = traffic;
      return;
    }
    this.clusters.set(cluster, {
      traffic,
      ok: 0,
      errors: 0,
      bucketCounts: buckets.map(() => 0),
      sumMs: 0,
      lastUpdate: Date.now(),
    });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url !== "/metrics") return void res.writeHead(404).end();
      res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        .end(this.render());
    });
    await new Promise<void>((resolve) =>
      this.server?.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private advance(c: ClusterCounters): void {
    const now = Date.now();
    const requests = (c.traffic.rps * (now - c.lastUpdate)) / 1000;
    c.lastUpdate = now;
    c.errors += requests * c.traffic.errorRate;
    c.ok += requests * (1 - c.traffic.errorRate);
    buckets.forEach((le, i) => {
      if (c.traffic.latencyMs <= le)
        c.bucketCounts[i] = (c.bucketCounts[i] ?? 0) + requests;
    });
    c.sumMs += requests * c.traffic.latencyMs;
  }

  private render(): string {
    const lines = [
      "# TYPE envoy_cluster_upstream_rq counter",
      "# TYPE envoy_cluster_upstream_rq_time histogram",
    ];
    for (const [name, c] of this.clusters) {
      this.advance(c);
      const total = c.ok + c.errors;
      lines.push(
        `envoy_cluster_upstream_rq{envoy_cluster_name="${name}",envoy_response_code="200"} ${c.ok}`,
      );
      lines.push(
        `envoy_cluster_upstream_rq{envoy_cluster_name="${name}",envoy_response_code="500"} ${c.errors}`,
      );
      buckets.forEach((le, i) =>
        lines.push(
          `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${name}",le="${le}"} ${c.bucketCounts[i]}`,
        ),
      );
      lines.push(
        `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="${name}",le="+Inf"} ${total}`,
      );
      lines.push(
        `envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="${name}"} ${c.sumMs}`,
      );
      lines.push(
        `envoy_cluster_upstream_rq_time_count{envoy_cluster_name="${name}"} ${total}`,
      );
    }
    return `${lines.join("\n")}\n`;
  }
}
