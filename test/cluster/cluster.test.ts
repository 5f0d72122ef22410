// Acceptance for the local control plane: the real controllers, kwok and the real Gloo CRD schemas.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Deployment,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { defaultCrds } from "../../dev/cluster/cluster.ts";

const run = promisify(execFile);
let namespace: { name: string; dispose: () => Promise<void> };
beforeEach(async () => {
  namespace = await createTestNamespace();
});
afterEach(async () => {
  await namespace.dispose();
});

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: "podinfod", image: "ghcr.io/stefanprodan/podinfo:6.0.0" },
          ],
        },
      },
    },
  };
}

describe("local cluster", () => {
  it("runs a Deployment to Available through the real deployment controller and kwok", async () => {
    const kc = kubeConfig();
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: namespace.name,
      body: deployment("podinfo", 2),
    });

    const ready = await eventually(
      async () => {
        const d = await apps.readNamespacedDeployment({
          name: "podinfo",
          namespace: namespace.name,
        });
        const status = d.status;
        return (
          status?.availableReplicas === 2 &&
          status.observedGeneration === d.metadata?.generation &&
          d
        );
      },
      { what: "podinfo to report 2 available replicas" },
    );
    expect(ready.status?.readyReplicas).toBe(2);
    expect(
      ready.status?.conditions?.find((c) => c.type === "Available")?.status,
    ).toBe("True");

    const pods = await core.listNamespacedPod({
      namespace: namespace.name,
      labelSelector: "app=podinfo",
    });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe("kwok-node-0"); // placed by the real scheduler
      expect(pod.status?.phase).toBe("Running");
      expect(
        pod.status?.conditions?.find((c) => c.type === "Ready")?.status,
      ).toBe("True");
    }
  });

  it("garbage-collects what an owner owned once the owner is deleted", async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({
      namespace: namespace.name,
      body: { metadata: { name: "owner" }, data: { role: "owner" } },
    });
    await core.createNamespacedSecret({
      namespace: namespace.name,
      body: {
        metadata: {
          name: "owned",
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              name: "owner",
              uid: owner.metadata?.uid ?? "",
            },
          ],
        },
        stringData: { token: "x" },
      },
    });
    await core.deleteNamespacedConfigMap({
      name: "owner",
      namespace: namespace.name,
    });

    await eventually(
      async () => {
        const secrets = await core.listNamespacedSecret({
          namespace: namespace.name,
        });
        return !secrets.items.some((s) => s.metadata?.name === "owned");
      },
      { what: "the garbage collector to delete the owned Secret" },
    );
  });

  describe("Gloo RouteTable schema", () => {
    const group = "gateway.solo.io";
    const routeTable = (spec: Record<string, unknown>) => ({
      apiVersion: `${group}/v1`,
      kind: "RouteTable",
      metadata: { name: "podinfo" },
      spec,
    });
    const weightedRoute = {
      matchers: [{ prefix: "/" }],
      routeAction: {
        multi: {
          destinations: [
            {
              weight: 90,
              destination: { upstream: { name: "primary", namespace: "apps" } },
            },
            {
              weight: 10,
              destination: { upstream: { name: "canary", namespace: "apps" } },
            },
          ],
        },
      },
    };

    it("is installed exactly as the file says, x-kubernetes-* keys included", async () => {
      const custom = kubeConfig().makeApiClient(CustomObjectsApi);
      const stored = await custom.getClusterCustomObject({
        group: "apiextensions.k8s.io",
        version: "v1",
        plural: "customresourcedefinitions",
        name: "routetables.gateway.solo.io",
      });
      const count = (text: string) =>
        text.split("x-kubernetes-preserve-unknown-fields").length - 1;
      // What the harness installed: dev/crds/gloo.ts (or the real CRD from CLUSTER_GLOO_CRDS_DIR).
      const file = JSON.stringify(
        defaultCrds().find(
          (c) => c.metadata?.name === "routetables.gateway.solo.io",
        ),
      );
      expect(count(JSON.stringify(stored))).toBe(count(file));
      expect(count(file)).toBeGreaterThan(0);
    });

    it("prunes a misspelled field and keeps the real ones", async () => {
      const custom = kubeConfig().makeApiClient(CustomObjectsApi);
      await custom.createNamespacedCustomObject({
        group,
        version: "v1",
        namespace: namespace.name,
        plural: "routetables",
        body: routeTable({
          routes: [{ ...weightedRoute, inheritablePathMatcher: true }],
        }),
      });
      const stored = (await custom.getNamespacedCustomObject({
        group,
        version: "v1",
        namespace: namespace.name,
        plural: "routetables",
        name: "podinfo",
      })) as { spec: { routes: Record<string, unknown>[] } };
      const route = stored.spec.routes[0];
      expect(route).not.toHaveProperty("inheritablePathMatcher");
      expect(route).toMatchObject({
        routeAction: weightedRoute.routeAction,
        matchers: [{ prefix: "/" }],
      });
    });

    it.each([
      [
        "routes given as an object instead of a list",
        { routes: { main: weightedRoute } },
        /spec\.routes/,
      ],
      [
        "a negative destination weight",
        {
          routes: [
            {
              routeAction: {
                multi: {
                  destinations: [
                    { weight: -5, destination: { upstream: { name: "p" } } },
                  ],
                },
              },
            },
          ],
        },
        /weight/,
      ],
    ])("rejects a RouteTable with %s", async (_label, spec, field) => {
      const custom = kubeConfig().makeApiClient(CustomObjectsApi);
      const attempt = custom.createNamespacedCustomObject({
        group,
        version: "v1",
        namespace: namespace.name,
        plural: "routetables",
        body: routeTable(spec),
      });
      await expect(attempt).rejects.toMatchObject({
        code: 422,
        body: expect.stringMatching(field),
      });
    });
  });

  it("serves kubectl with the harness kubeconfig at the pinned version", async () => {
    const state = clusterState();
    const kubectl = join(state.binDir, "kubectl");
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: namespace.name,
      body: deployment("web", 1),
    });

    const env = { ...process.env, KUBECONFIG: state.kubeconfig };
    const { stdout } = await run(
      kubectl,
      ["get", "deployments", "-n", namespace.name],
      { env },
    );
    expect(stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(stdout).toMatch(/^web\s+\d\/1/m);

    const version = JSON.parse(
      (await run(kubectl, ["version", "-o", "json"], { env })).stdout,
    ) as {
      serverVersion: { gitVersion: string; minor: string };
      clientVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.3[4-9]\.\d+$/);
    expect(version.clientVersion.gitVersion).toBe(
      version.serverVersion.gitVersion,
    );
  });
});
