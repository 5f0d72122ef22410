// A real Gateway API implementation on this machine: Traefik v3 (built from its Go module by
// scripts/traefik.sh) as a plain process, its Kubernetes Gateway provider reading the local API server,
// its web entry point and its Prometheus metrics on loopback ports. Gateway listeners must use the web
// entry point's port (Traefik matches them by port).
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterState } from "../cluster/state.ts";
import { repoRoot } from "../cluster/cluster.ts";
import { freeLoopbackPort } from "../cluster/ports.ts";
import { ComponentProcess, tailOfFile } from "../cluster/process.ts";
import { waitForComponent } from "../cluster/wait.ts";

export const traefikControllerName = "traefik.io/gateway-controller";

export class TraefikProcess {
  private proc: ComponentProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "siskin-traefik-"));
  /** The web entry point (the Gateway's listener port) and the metrics/ping entry point. */
  webPort = 0;
  metricsPort = 0;

  get url(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}`;
  }

  async start(
    cluster: ClusterState,
    namespace: string,
    extraArgs: string[] = [],
  ): Promise<void> {
    const binary = execFileSync(
      "bash",
      [join(repoRoot, "scripts/traefik.sh")],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      },
    ).trim();
    this.webPort ||= await freeLoopbackPort();
    this.metricsPort ||= await freeLoopbackPort();
    const proc = new ComponentProcess(
      "traefik",
      binary,
      [
        "--providers.kubernetesgateway=true",
        `--providers.kubernetesgateway.endpoint=${cluster.server}`,
        `--providers.kubernetesgateway.token=${cluster.token}`,
        `--providers.kubernetesgateway.certauthfilepath=${cluster.caFile}`,
        `--providers.kubernetesgateway.namespaces=${namespace}`,
        `--entryPoints.web.address=127.0.0.1:${this.webPort}`,
        `--entryPoints.metrics.address=127.0.0.1:${this.metricsPort}`,
        "--metrics.prometheus=true",
        "--metrics.prometheus.entryPoint=metrics",
        "--metrics.prometheus.addServicesLabels=true",
        "--ping=true",
        "--ping.entryPoint=metrics",
        "--log.level=INFO",
        "--global.checknewversion=false",
        "--global.sendanonymoususage=false",
        ...extraArgs,
      ],
      join(this.dir, "traefik.log"),
    );
    this.proc = proc;
    await waitForComponent(
      {
        name: "traefik",
        logPath: proc.logPath,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "/ping",
      async () => (await fetch(`${this.metricsUrl}/ping`)).ok,
      30,
    );
  }

  logTail(lines = 20): string {
    return this.proc ? tailOfFile(this.proc.logPath, lines) : "";
  }

  async stop(): Promise<void> {
    await this.proc?.stop(3000);
  }
}
