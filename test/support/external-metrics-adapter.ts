// A metrics adapter as the Kubernetes aggregation layer reaches one: HTTPS on 127.0.0.1 (a self-signed
// certificate made with openssl), answering the External Metrics API (external.metrics.k8s.io/v1beta1)
// as KEDA's or Datadog's adapter does: discovery of the group version and ExternalMetricValueLists per
// namespace and metric, filtered by labelSelector. It records each request with the identity the API
// server forwarded (X-Remote-User), so a test can see the call went through the API server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const externalMetricsGroupVersion = "external.metrics.k8s.io/v1beta1";

export interface AdapterRequest {
  path: string;
  remoteUser?: string;
}

export class ExternalMetricsAdapter {
  port = 0;
  readonly requests: AdapterRequest[] = [];
  /** metric name -> series (labels and value, a Kubernetes quantity) served in every namespace. */
  readonly metrics = new Map<
    string,
    { labels: Record<string, string>; value: string }[]
  >();
  private server: Server | undefined;

  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "siskin-adapter-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    this.server = createServer(
      {
        key: readFileSync(join(dir, "key.pem")),
        cert: readFileSync(join(dir, "cert.pem")),
      },
      (req, res) => {
        const url = new URL(req.url ?? "/", "https://localhost");
        const remoteUser = req.headers["x-remote-user"];
        this.requests.push({
          path: url.pathname + url.search,
          ...(typeof remoteUser === "string" ? { remoteUser } : {}),
        });
        const answer = this.answer(url);
        res.writeHead(answer.status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(answer.body));
      },
    );
    await new Promise<void>((resolve) =>
      this.server!.listen(0, "127.0.0.1", resolve),
    );
    const address = this.server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
  }

  private answer(url: URL): { status: number; body: unknown } {
    const base = `/apis/${externalMetricsGroupVersion}`;
    if (url.pathname === base)
      return {
        status: 200,
        body: {
          kind: "APIResourceList",
          apiVersion: "v1",
          groupVersion: externalMetricsGroupVersion,
          resources: [
            {
              name: "externalmetrics",
              singularName: "",
              namespaced: true,
              kind: "ExternalMetricValueList",
              verbs: ["get"],
            },
          ],
        },
      };
    const match = url.pathname.match(
      new RegExp(`^${base}/namespaces/([^/]+)/([^/]+)$`),
    );
    if (!match)
      return {
        status: 404,
        body: {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: 404,
        },
      };
    const metric = decodeURIComponent(match[2] ?? "");
    const wanted = Object.fromEntries(
      (url.searchParams.get("labelSelector") ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair) => pair.split("=", 2) as [string, string]),
    );
    const items = (this.metrics.get(metric) ?? [])
      .filter((s) =>
        Object.entries(wanted).every(([k, v]) => s.labels[k] === v),
      )
      .map((s) => ({
        metricName: metric,
        metricLabels: s.labels,
        timestamp: new Date().toISOString(),
        value: s.value,
      }));
    return {
      status: 200,
      body: {
        kind: "ExternalMetricValueList",
        apiVersion: externalMetricsGroupVersion,
        metadata: {},
        items,
      },
    };
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
