import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { kwokNodeAnnotation } from "./components.ts";

export const fakeNodeName = "kwok-node-0";

/**
 * Registers one fake Node that kwok keeps Ready and whose pods it marks Running. It has no taints, so
 * ordinary workloads schedule onto it without tolerations, and room for a fleet: 20,000 pods (a
 * 1,000-canary fleet runs a primary and, during releases, a canary per Deployment).
 */
export async function createFakeNode(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const capacity = { cpu: "2000", memory: "8Ti", pods: "20000" };
  await core.createNode({
    body: {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: fakeNodeName,
        annotations: {
          [kwokNodeAnnotation]: "fake",
          "node.alpha.kubernetes.io/ttl": "0",
        },
        labels: {
          "kubernetes.io/hostname": fakeNodeName,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
      status: { capacity, allocatable: capacity },
    },
  });
}

export async function isNodeReady(
  kc: KubeConfig,
  name = fakeNodeName,
): Promise<boolean> {
  const node = await kc.makeApiClient(CoreV1Api).readNode({ name });
  return (
    node.status?.conditions?.some(
      (c) => c.type === "Ready" && c.status === "True",
    ) ?? false
  );
}

/** The controller-manager's service-account controller creates this; pods cannot be admitted before it. */
export async function hasDefaultServiceAccount(
  kc: KubeConfig,
): Promise<boolean> {
  try {
    await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedServiceAccount({ name: "default", namespace: "default" });
    return true;
  } catch {
    return false;
  }
}

/** Every CustomResourceDefinition in the YAML files of `dir`. */
export function readCrds(dir: string): V1CustomResourceDefinition[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), "utf8"))
      .map((doc) => doc.toJS() as V1CustomResourceDefinition | null)
      .filter(
        (crd): crd is V1CustomResourceDefinition =>
          crd?.kind === "CustomResourceDefinition",
      ),
  );
}

/**
 * Creates CRDs with plain creates (the Gloo ones are too large for client-side apply's annotation),
 * replacing any that exist, and returns their names. They go through CustomObjectsApi as raw JSON:
 * the typed client would drop keys such as x-kubernetes-preserve-unknown-fields, changing the schema.
 */
export async function installCrds(
  kc: KubeConfig,
  crds: V1CustomResourceDefinition[],
): Promise<string[]> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const target = {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
  };
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    try {
      await api.createClusterCustomObject({ ...target, body: crd });
    } catch (error) {
      if (!isConflict(error)) throw error;
      const existing = (await api.getClusterCustomObject({
        ...target,
        name,
      })) as V1CustomResourceDefinition;
      const body = {
        ...crd,
        metadata: {
          ...crd.metadata,
          resourceVersion: existing.metadata?.resourceVersion,
        },
      };
      await api.replaceClusterCustomObject({ ...target, name, body });
    }
  }
  return crds.map((crd) => crd.metadata?.name ?? "");
}

export async function areCrdsEstablished(
  kc: KubeConfig,
  names: string[],
): Promise<boolean> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.some(
      (c) => c.type === "Established" && c.status === "True",
    );
    if (!established) return false;
  }
  return true;
}

function isConflict(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    error.code === 409
  );
}
