// Stands in for the pods: for an Upstream it resolves the Service, the Deployment that Service selects
// and that Deployment's image tag, and answers with a local podinfo-like server for that version.
// Each distinct version gets one server on 127.0.0.1, started the first time it is needed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type {
  KubeConfig,
  V1Deployment,
  V1Service,
} from "@kubernetes/client-node";
import type { Reflector, StoredObject } from "../../src/kube/reflector.ts";
import { informer } from "./informers.ts";
import { forward } from "./proxy.ts";
import { TrafficShare } from "./traffic-share.ts";
import {
  healthy,
  startPodinfo,
  type Behaviour,
  type VersionServer,
} from "./podinfo.ts";

export interface UpstreamObject {
  metadata: { name: string; namespace: string };
  spec: { kube?: { serviceName?: string; serviceNamespace?: string } };
}

export class WorkloadSimulator {
  private readonly services: Reflector<V1Service & StoredObject>;
  private readonly deployments: Reflector<V1Deployment & StoredObject>;
  private readonly servers = new Map<string, Promise<VersionServer>>();
  private readonly behaviours: Record<string, Behaviour>;
  private readonly listeners: http.Server[] = [];
  /** Each version's share of all requests to `/`, for behaviours that depend on it. */
  readonly traffic = new TrafficShare();

  constructor(
    kc: KubeConfig,
    namespace: string,
    behaviours: Record<string, Behaviour>,
  ) {
    this.behaviours = behaviours;
    this.services = informer(kc, `/api/v1/namespaces/${namespace}/services`);
    this.deployments = informer(
      kc,
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.deployments.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.services.stop(), this.deployments.stop()]);
    for (const l of this.listeners) l.closeAllConnections();
    await Promise.all(
      this.listeners.map((l) => new Promise((r) => l.close(r))),
    );
    await Promise.all(
      [...this.servers.values()].map(async (s) => (await s).close()),
    );
  }

  /** The version a Service's pods run: the image tag of the Deployment whose pods it selects. */
  versionOfService(name: string, namespace: string): string | undefined {
    const selector = this.services.get(name, namespace)?.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return undefined;
    const deployment = this.deployments
      .list(namespace)
      .find((d) =>
        Object.entries(selector).every(
          ([k, v]) => d.spec?.template.metadata?.labels?.[k] === v,
        ),
      );
    const image = deployment?.spec?.template.spec?.containers[0]?.image ?? "";
    const tag = image.includes(":")
      ? image.slice(image.lastIndexOf(":") + 1)
      : undefined;
    return tag;
  }

  /** The server answering for an Upstream (through its Service), or why there is none. */
  async backend(
    upstream: UpstreamObject,
  ): Promise<VersionServer | { error: string }> {
    const kube = upstream.spec.kube;
    if (!kube?.serviceName)
      return {
        error: `Upstream ${upstream.metadata.name} has no kube.serviceName`,
      };
    const ns = kube.serviceNamespace ?? upstream.metadata.namespace;
    const version = this.versionOfService(kube.serviceName, ns);
    if (!version)
      return {
        error: `no Deployment behind Service ${ns}/${kube.serviceName}`,
      };
    return this.server(version);
  }

  server(version: string): Promise<VersionServer> {
    let server = this.servers.get(version);
    if (!server) {
      server = startPodinfo(
        version,
        this.behaviours[version] ?? healthy,
        this.traffic,
      );
      this.servers.set(version, server);
    }
    return server;
  }

  /**
   * A loopback address for a Service (what `http://<service>:<port>` is inside a cluster): each request
   * goes to the version its pods run at that moment.
   */
  async exposeService(name: string, namespace: string): Promise<string> {
    const listener = http.createServer((req, res) => {
      const version = this.versionOfService(name, namespace);
      if (!version)
        return void res
          .writeHead(503)
          .end(`no pods behind Service ${namespace}/${name}`);
      void this.server(version).then((s) => forward(s.url, req, res));
    });
    this.listeners.push(listener);
    await new Promise<void>((resolve) =>
      listener.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    return `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  }
}
