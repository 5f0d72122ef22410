// Helpers for tests that run against the shared local cluster.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import {
  assertComponentsAlive,
  type ClusterState,
} from "../../dev/cluster/cluster.ts";

export function clusterState(): ClusterState {
  return inject("cluster");
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(clusterState().kubeconfig);
  return kc;
}

/** Creates a namespace of its own for one test; `dispose` deletes it (without waiting for finalization). */
export async function createTestNamespace(
  prefix = "t",
): Promise<{ name: string; dispose: () => Promise<void> }> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { "siskin.dev/test": "true" } } },
  });
  return {
    name,
    dispose: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is being waited for, for the failure message (a function is asked at the failure). */
  what?: string | (() => string);
}

/**
 * Polls `probe` until it returns a value other than undefined/false. Fails at once, naming the
 * component, if part of the control plane died, so a broken cluster fails tests instead of hanging them.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    assertComponentsAlive(clusterState());
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail =
        lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${(typeof options.what === "function" ? options.what() : options.what) ?? "a condition"}${detail}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/**
 * A kubeconfig file that authenticates as a ServiceAccount (a fresh token from the TokenRequest API), as
 * its pod would: for tests of what exactly that account may do.
 */
/** A bearer token of a ServiceAccount (TokenRequest), as `kubectl create token` prints it. */
export async function serviceAccountToken(
  namespace: string,
  name: string,
): Promise<string> {
  const answer = await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccountToken({
      name,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
  const token = answer.status?.token;
  if (!token) throw new Error(`no token for ${namespace}/${name}`);
  return token;
}

export async function serviceAccountKubeconfig(
  namespace: string,
  name: string,
): Promise<string> {
  const token = await serviceAccountToken(namespace, name);
  const file = join(mkdtempSync(join(tmpdir(), "siskin-sa-")), "kubeconfig");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "local",
          cluster: {
            server: clusterState().server,
            "certificate-authority-data": readFileSync(
              clusterState().caFile,
            ).toString("base64"),
          },
        },
      ],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: "local", user: name } }],
      "current-context": name,
    }),
  );
  return file;
}
