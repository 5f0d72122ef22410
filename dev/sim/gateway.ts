// Stands in for Gloo's gateway-proxy on 127.0.0.1: routes each request by Host header and path through
// the VirtualServices, RouteTables and Upstreams on the API server (watched, not polled), forwards it to
// the version the Upstream's Service runs, and counts it as Envoy does, under Envoy's metric names:
//   envoy_cluster_upstream_rq{envoy_cluster_name="<upstream>_<namespace>",envoy_response_code="200"}
//   envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=...,le=...}   (milliseconds)
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import { Counter, Histogram, Registry } from "prom-client";
import type { Reflector, StoredObject } from "../../src/kube/reflector.ts";
import { customInformer } from "./informers.ts";
import { forward } from "./proxy.ts";
import {
  resolveRoute,
  smoothWeightedPicker,
  type RouteTable,
  type VirtualService,
} from "./routing.ts";
import type { UpstreamObject, WorkloadSimulator } from "./workloads.ts";

type Watched<T> = Reflector<T & StoredObject>;

export class GatewaySimulator {
  readonly registry = new Registry();
  /** Requests per Envoy cluster name and status code, as the gateway counted them. */
  readonly counts = new Map<string, Map<string, number>>();
  private readonly requests = new Counter({
    name: "envoy_cluster_upstream_rq",
    help: "Upstream requests by Envoy cluster and response code (Envoy's name).",
    labelNames: ["envoy_cluster_name", "envoy_response_code"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "envoy_cluster_upstream_rq_time",
    help: "Upstream request time in milliseconds (Envoy's name and unit).",
    labelNames: ["envoy_cluster_name"],
    buckets: [
      0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
    ],
    registers: [this.registry],
  });
  private readonly virtualServices: Watched<VirtualService>;
  private readonly routeTables: Watched<RouteTable>;
  private readonly upstreams: Watched<UpstreamObject>;
  private readonly pick = smoothWeightedPicker();
  private readonly workloads: WorkloadSimulator;
  private readonly servers: http.Server[] = [];
  url = "";
  metricsUrl = "";

  constructor(kc: KubeConfig, namespace: string, workloads: WorkloadSimulator) {
    this.workloads = workloads;
    this.virtualServices = customInformer(
      kc,
      { group: "gateway.solo.io", version: "v1", plural: "virtualservices" },
      namespace,
    );
    this.routeTables = customInformer(
      kc,
      { group: "gateway.solo.io", version: "v1", plural: "routetables" },
      namespace,
    );
    this.upstreams = customInformer(
      kc,
      { group: "gloo.solo.io", version: "v1", plural: "upstreams" },
      namespace,
    );
  }

  async start(): Promise<void> {
    await Promise.all([
      this.virtualServices.start(),
      this.routeTables.start(),
      this.upstreams.start(),
    ]);
    this.url = await this.listen((req, res) => {
      // A bad request gets a 502 and a reason; it never takes the demo down.
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(`gateway error: ${(error as Error).message}`);
      });
    });
    this.metricsUrl = await this.listen((_req, res) => {
      void this.registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": this.registry.contentType });
        res.end(text);
      });
    });
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
    await Promise.all([
      this.virtualServices.stop(),
      this.routeTables.stop(),
      this.upstreams.stop(),
    ]);
  }

  private async listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    this.servers.push(server);
    await new Promise<void>((resolve) =>
      server.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(",") : v,
      ]),
    );
    const route = resolveRoute(
      {
        virtualServices: [...this.virtualServices.list()],
        routeTables: [...this.routeTables.list()],
      },
      { host: req.headers.host ?? "", path: req.url ?? "/", headers },
      this.pick,
    );
    if ("error" in route) return void res.writeHead(404).end(route.error);
    const { name, namespace } = route.upstream;
    const upstream = this.upstreams.get(name, namespace);
    const backend = upstream
      ? await this.workloads.backend(upstream)
      : { error: `Upstream ${namespace}/${name} not found` };
    if ("error" in backend) return void res.writeHead(503).end(backend.error);
    const { status, ms } = await forward(backend.url, req, res);
    const cluster = `${name}_${namespace}`;
    this.requests.inc({
      envoy_cluster_name: cluster,
      envoy_response_code: String(status),
    });
    this.latency.observe({ envoy_cluster_name: cluster }, ms);
    const byCode = this.counts.get(cluster) ?? new Map<string, number>();
    byCode.set(String(status), (byCode.get(String(status)) ?? 0) + 1);
    this.counts.set(cluster, byCode);
  }

  /** Total requests the gateway sent to each Envoy cluster so far. */
  totals(): Record<string, { total: number; errors: number }> {
    const out: Record<string, { total: number; errors: number }> = {};
    for (const [cluster, codes] of this.counts) {
      let total = 0;
      let errors = 0;
      for (const [code, n] of codes) {
        total += n;
        if (code.startsWith("5")) errors += n;
      }
      out[cluster] = { total, errors };
    }
    return out;
  }
}
