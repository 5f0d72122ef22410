// Gloo Upstreams on the API server, for the upstreamRef tests.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";

export type UpstreamObject = {
  metadata: { resourceVersion: string };
  spec: Record<string, unknown>;
};

const upstreamApi = {
  group: "gloo.solo.io",
  version: "v1",
  plural: "upstreams",
};

/** A user's Upstream whose connection settings a Canary's upstreamRef asks to copy. */
export const settingsUpstream = (maxRequests: number) => ({
  apiVersion: "gloo.solo.io/v1",
  kind: "Upstream",
  metadata: { name: "podinfo-settings" },
  spec: {
    useHttp2: true,
    connectionConfig: { maxRequestsPerConnection: maxRequests },
    static: { hosts: [{ addr: "example.invalid", port: 80 }] },
  },
});

export class UpstreamApi {
  private readonly custom;
  private readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.namespace = namespace;
  }

  async create(body: ReturnType<typeof settingsUpstream>): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      ...upstreamApi,
      namespace: this.namespace,
      body,
    });
  }

  async read(name: string): Promise<UpstreamObject> {
    return (await this.custom.getNamespacedCustomObject({
      ...upstreamApi,
      namespace: this.namespace,
      name,
    })) as UpstreamObject;
  }

  /** Replaces the settings Upstream with `maxRequests`, guarded by its current resourceVersion. */
  async updateSettings(maxRequests: number): Promise<void> {
    const current = await this.read("podinfo-settings");
    const body = settingsUpstream(maxRequests);
    await this.custom.replaceNamespacedCustomObject({
      ...upstreamApi,
      namespace: this.namespace,
      name: "podinfo-settings",
      body: {
        ...body,
        metadata: {
          ...body.metadata,
          resourceVersion: current.metadata.resourceVersion,
        },
      },
    });
  }
}
