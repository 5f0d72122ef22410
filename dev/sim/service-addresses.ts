// Stands in for kube-proxy on loopback: in a cluster whose Service range is a 127.x range (StartOptions
// .serviceCidr), each Service of a namespace gets a listener at its ClusterIP and port that forwards to
// the version its selected pods run (WorkloadSimulator). A real gateway that balances to Services by
// ClusterIP (Traefik's nativeLB) then reaches "the pods" on 127.0.0.0/8 and nothing leaves the machine.
// EndpointSlices cannot carry loopback addresses (the API server refuses them), so pod IPs cannot.
import http from "node:http";
import type { KubeConfig, V1Service } from "@kubernetes/client-node";
import type { StoredObject } from "../../src/kube/reflector.ts";
import { informer } from "./informers.ts";
import { forward } from "./proxy.ts";
import type { WorkloadSimulator } from "./workloads.ts";

export const loopbackServiceCidr = "127.96.0.0/16";

export class ServiceAddresses {
  private readonly services;
  private readonly listeners = new Map<string, http.Server>();
  private readonly workloads: WorkloadSimulator;
  private readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string, workloads: WorkloadSimulator) {
    this.workloads = workloads;
    this.namespace = namespace;
    this.services = informer<V1Service & StoredObject>(
      kc,
      `/api/v1/namespaces/${namespace}/services`,
    );
    this.services.on(() => void this.sync());
  }

  async start(): Promise<void> {
    await this.services.start();
    await this.sync();
  }

  private async sync(): Promise<void> {
    for (const service of this.services.list()) {
      const ip = service.spec?.clusterIP;
      const name = service.metadata?.name ?? "";
      if (!ip?.startsWith("127.")) continue;
      for (const port of service.spec?.ports ?? []) {
        const key = `${ip}:${port.port}`;
        if (this.listeners.has(key)) continue;
        const listener = http.createServer((req, res) => {
          const version = this.workloads.versionOfService(name, this.namespace);
          if (!version)
            return void res
              .writeHead(503)
              .end(`no pods behind Service ${name}`);
          void this.workloads
            .server(version)
            .then((s) => forward(s.url, req, res));
        });
        this.listeners.set(key, listener);
        await new Promise<void>((resolve, reject) => {
          listener.once("error", reject);
          listener.listen({ host: ip, port: port.port }, resolve);
        });
      }
    }
  }

  async stop(): Promise<void> {
    await this.services.stop();
    for (const l of this.listeners.values()) l.closeAllConnections();
    await Promise.all(
      [...this.listeners.values()].map((l) => new Promise((r) => l.close(r))),
    );
    this.listeners.clear();
  }
}
