// Stands in for a Gateway API implementation built on Envoy (kgateway, Envoy Gateway, Istio's gateway) on
// 127.0.0.1: routes each request through the HTTPRoutes on the API server (watched, not polled), applies
// their filters (header modifiers on the rule and on the chosen backend, URL rewrite, request mirrors),
// forwards to the version the backend Service runs, and counts it under Envoy's metric names with the
// chosen gateway's cluster naming (src/metrics/builtin.ts documents them):
//   envoy_cluster_upstream_rq{<cluster label>="...",<code label>="200"}
//   envoy_cluster_upstream_rq_time_bucket{<cluster label>=...,le=...}   (milliseconds)
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import { Counter, Histogram, Registry } from "prom-client";
import type { Reflector, StoredObject } from "../../src/kube/reflector.ts";
import type { GatewayApiFlavour } from "../../src/metrics/builtin.ts";
import {
  resolveHttpRoute,
  type Chosen,
  type HttpRoute,
} from "./httproute-routing.ts";
import { customInformer } from "./informers.ts";
import { forward, mirror, type HeaderChanges } from "./proxy.ts";
import { smoothWeightedPicker } from "./routing.ts";
import type { WorkloadSimulator } from "./workloads.ts";

type Json = Record<string, unknown>;

const labelsOf: Record<GatewayApiFlavour, { cluster: string; code: string }> = {
  kgateway: { cluster: "envoy_cluster_name", code: "envoy_response_code" },
  "envoy-gateway": {
    cluster: "envoy_cluster_name",
    code: "envoy_response_code",
  },
  istio: { cluster: "cluster_name", code: "response_code" },
};

/** The Envoy cluster a request to a backend is counted under, as each gateway names it. */
export function clusterName(
  flavour: GatewayApiFlavour,
  chosen: Pick<Chosen, "route" | "ruleIndex" | "backendIndex">,
  service: string,
  port: number,
): string {
  const ns = chosen.route.metadata.namespace;
  switch (flavour) {
    case "kgateway":
      return `kube_${ns}_${service}_${port}`;
    case "envoy-gateway":
      return `httproute/${ns}/${chosen.route.metadata.name}/rule/${chosen.ruleIndex}/backend/${chosen.backendIndex}`;
    case "istio":
      return `outbound|${port}||${service}.${ns}.svc.cluster.local`;
  }
}

export class GatewayApiSimulator {
  readonly registry = new Registry();
  readonly flavour: GatewayApiFlavour;
  /** Requests per Envoy cluster name and status code, as the gateway counted them. */
  readonly counts = new Map<string, Map<string, number>>();
  private readonly requests: Counter;
  private readonly latency: Histogram;
  private readonly routes: Reflector<HttpRoute & StoredObject>;
  private readonly pick = smoothWeightedPicker();
  private mirrored = 0;
  private readonly workloads: WorkloadSimulator;
  private readonly servers: http.Server[] = [];
  url = "";
  metricsUrl = "";

  constructor(
    kc: KubeConfig,
    namespace: string,
    workloads: WorkloadSimulator,
    flavour: GatewayApiFlavour = "kgateway",
  ) {
    this.workloads = workloads;
    this.flavour = flavour;
    const labels = labelsOf[flavour];
    this.requests = new Counter({
      name: "envoy_cluster_upstream_rq",
      help: "Upstream requests by Envoy cluster and response code (Envoy's name).",
      labelNames: [labels.cluster, labels.code],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: "envoy_cluster_upstream_rq_time",
      help: "Upstream request time in milliseconds (Envoy's name and unit).",
      labelNames: [labels.cluster],
      buckets: [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
      ],
      registers: [this.registry],
    });
    this.routes = customInformer(
      kc,
      {
        group: "gateway.networking.k8s.io",
        version: "v1",
        plural: "httproutes",
      },
      namespace,
    );
  }

  async start(): Promise<void> {
    await this.routes.start();
    this.url = await this.listen((req, res) => {
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
    await this.routes.stop();
  }

  private async listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    this.servers.push(server);
    await new Promise<void>((resolve) =>
      server.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private count(cluster: string, status: number, ms: number): void {
    const labels = labelsOf[this.flavour];
    this.requests.inc({
      [labels.cluster]: cluster,
      [labels.code]: String(status),
    });
    this.latency.observe({ [labels.cluster]: cluster }, ms);
    const byCode = this.counts.get(cluster) ?? new Map<string, number>();
    byCode.set(String(status), (byCode.get(String(status)) ?? 0) + 1);
    this.counts.set(cluster, byCode);
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
    const chosen = resolveHttpRoute(
      [...this.routes.list()],
      {
        host: req.headers.host ?? "",
        path: req.url ?? "/",
        method: req.method ?? "GET",
        headers,
      },
      this.pick,
    );
    if ("error" in chosen) return void res.writeHead(404).end(chosen.error);
    const ns = chosen.route.metadata.namespace;
    const service = chosen.backend.name;
    const port = chosen.backend.port ?? 80;
    const version = this.workloads.versionOfService(
      service,
      chosen.backend.namespace ?? ns,
    );
    if (!version)
      return void res
        .writeHead(503)
        .end(`no pods behind Service ${ns}/${service}`);
    const backend = await this.workloads.server(version);
    const request: HeaderChanges[] = [];
    const response: HeaderChanges[] = [];
    let path = req.url ?? "/";
    for (const filter of chosen.filters) {
      if (filter.type === "RequestHeaderModifier")
        request.push(filter.requestHeaderModifier as HeaderChanges);
      if (filter.type === "ResponseHeaderModifier")
        response.push(filter.responseHeaderModifier as HeaderChanges);
      if (filter.type === "URLRewrite")
        path = rewrite(path, chosen, filter.urlRewrite as Json);
      if (filter.type === "RequestMirror")
        void this.mirrorTo(filter.requestMirror as Json, chosen, req, path);
    }
    const { status, ms } = await forward(backend.url, req, res, {
      path,
      request,
      response,
    });
    this.count(clusterName(this.flavour, chosen, service, port), status, ms);
  }

  /** A mirror's copy goes to the Service's version and is counted under its own cluster, as Envoy does. */
  private async mirrorTo(
    filter: Json,
    chosen: Chosen,
    req: http.IncomingMessage,
    path: string,
  ): Promise<void> {
    const ref = filter.backendRef as {
      name: string;
      namespace?: string;
      port?: number;
    };
    const percent = typeof filter.percent === "number" ? filter.percent : 100;
    // Evenly spread, so a step's mirrored share is exact: copy n when floor((n+1)p) > floor(np).
    const n = this.mirrored++;
    if (
      Math.floor(((n + 1) * percent) / 100) <= Math.floor((n * percent) / 100)
    )
      return;
    const ns = ref.namespace ?? chosen.route.metadata.namespace;
    const version = this.workloads.versionOfService(ref.name, ns);
    if (!version) return;
    const server = await this.workloads.server(version);
    const { status, ms } = await mirror(
      server.url,
      req.method ?? "GET",
      path,
      req.headers,
    );
    this.count(
      clusterName(
        this.flavour,
        { ...chosen, backendIndex: -1 },
        ref.name,
        ref.port ?? 80,
      ),
      status,
      ms,
    );
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

function rewrite(path: string, chosen: Chosen, filter: Json): string {
  const p = filter.path as
    | { type?: string; replacePrefixMatch?: string; replaceFullPath?: string }
    | undefined;
  if (!p) return path;
  const [bare = "/", query] = path.split("?");
  const suffix = query ? `?${query}` : "";
  if (p.type === "ReplaceFullPath")
    return `${p.replaceFullPath ?? "/"}${suffix}`;
  const rule = chosen.route.spec.rules?.[chosen.ruleIndex];
  const prefix =
    rule?.matches?.find((m) => m.path?.type === "PathPrefix")?.path?.value ??
    "/";
  return `${(p.replacePrefixMatch ?? "/").replace(/\/$/, "")}${bare.slice(prefix.replace(/\/$/, "").length) || "/"}${suffix}`;
}
