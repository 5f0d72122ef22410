// GitOps fidelity, as the seeds' pipelines run it: during a whole release a loop re-applies the app's
// manifests every 5 s the way Flux does (server-side apply, field manager kustomize-controller, forced,
// no spec.replicas) and, in a second run, the way Argo CD does by default (client-side `kubectl apply`
// with the last-applied annotation; replicas left out as ignoreDifferences on /spec/replicas does). The
// new image arrives through such an apply; a pause request written meanwhile survives the re-applies.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { OperatorProcess } from "../../dev/services/operator.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi, WeightRecorder } from "../support/canary-api.ts";
import { kubectlSiskin } from "../support/cli.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The app's manifests as they sit in Git: no spec.replicas (Siskin owns the target's replicas). */
function manifests(ns: string, image: string) {
  const deployment = podinfoDeployment(ns);
  delete deployment.spec?.replicas;
  const container = deployment.spec?.template.spec?.containers[0];
  if (container) container.image = image;
  const canary = podinfoCanary(ns, {
    interval: "2s",
    stepWeight: 10,
    maxWeight: 30,
    metrics: [],
  });
  delete canary.spec.autoscalerRef;
  return { deployment, canary };
}

type Applier = (ns: string, image: string) => Promise<void>;

/** Flux's kustomize-controller: server-side apply, its own field manager, conflicts forced. */
const fluxApply: Applier = async (ns, image) => {
  const { deployment, canary } = manifests(ns, image);
  const ssa = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
  await kubeConfig()
    .makeApiClient(AppsV1Api)
    .patchNamespacedDeployment(
      {
        name: "podinfo",
        namespace: ns,
        body: { apiVersion: "apps/v1", kind: "Deployment", ...deployment },
        fieldManager: "kustomize-controller",
        force: true,
      },
      ssa,
    );
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      {
        group: "flagger.app",
        version: "v1beta1",
        namespace: ns,
        plural: "canaries",
        name: "podinfo",
        body: canary,
        fieldManager: "kustomize-controller",
        force: true,
      },
      ssa,
    );
};

/** Argo CD's default sync: client-side kubectl apply of the manifests, keeping last-applied. */
const argoApply: Applier = async (ns, image) => {
  const { deployment, canary } = manifests(ns, image);
  const dir = mkdtempSync(join(tmpdir(), "argo-"));
  const file = join(dir, "app.yaml");
  writeFileSync(
    file,
    [{ apiVersion: "apps/v1", kind: "Deployment", ...deployment }, canary]
      .map((o) => stringify(o))
      .join("---\n"),
  );
  await run(join(clusterState().binDir, "kubectl"), [
    `--kubeconfig=${clusterState().kubeconfig}`,
    "apply",
    "-f",
    file,
  ]);
};

/** Re-applies every 5 s until stopped; counts the applies so a test can wait for the next one. */
class SyncLoop {
  applies = 0;
  image: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly ns: string;
  private readonly apply: Applier;
  constructor(ns: string, apply: Applier, image: string) {
    this.ns = ns;
    this.apply = apply;
    this.image = image;
  }
  start(): void {
    this.timer = setInterval(() => void this.now(), 5000);
  }
  /** One sync now (as a webhook-triggered reconcile does). */
  async now(): Promise<void> {
    this.running = this.running.then(async () => {
      await this.apply(this.ns, this.image);
      this.applies++;
    });
    await this.running;
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

async function releaseUnder(prefix: string, apply: Applier) {
  const namespace = await createTestNamespace(prefix);
  cleanups.push(namespace.dispose);
  const ns = namespace.name;
  const api = new CanaryApi(kubeConfig(), ns);
  const operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
  });
  operator.start();
  cleanups.push(() => operator.stop());

  const sync = new SyncLoop(ns, apply, podinfoImage("6.0.0"));
  await sync.now();
  await eventually(async () => (await api.status()).phase === "Initialized", {
    what: "Initialized",
  });
  sync.start();
  cleanups.push(() => sync.stop());
  const weights = new WeightRecorder();
  await weights.start(api);
  cleanups.push(async () => weights.stop());

  // The new tag arrives through a sync: the release starts within 2 s of the apply (kubectl's own
  // start-up, over a second on a loaded machine, is not the operator's reaction time).
  sync.image = podinfoImage("6.0.1");
  await sync.now();
  const pushed = Date.now();
  await eventually(async () => (await api.status()).phase === "Progressing", {
    intervalMs: 50,
    what: "Progressing",
  });
  expect(Date.now() - pushed).toBeLessThanOrEqual(2000);

  // A pause written meanwhile survives the next syncs.
  await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 10, {
    what: "weight 10",
  });
  expect((await kubectlSiskin(ns, "pause", "podinfo")).code).toBe(0);
  const held = (await api.status()).canaryWeight;
  const before = sync.applies;
  await eventually(async () => sync.applies >= before + 2, {
    timeoutMs: 15_000,
    what: "two more syncs",
  });
  const canary = await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: ns,
      plural: "canaries",
      name: "podinfo",
    });
  expect(
    (canary as { metadata: { annotations?: Record<string, string> } }).metadata
      .annotations?.["siskin.dev/request"],
  ).toMatch(/"action":"pause"/);
  expect(await api.status()).toMatchObject({
    phase: "Progressing",
    canaryWeight: held,
    pausedBy: expect.any(String),
  });
  expect((await kubectlSiskin(ns, "resume", "podinfo")).code).toBe(0);

  // The run completes unchanged by the syncs.
  await eventually(async () => (await api.status()).phase === "Succeeded", {
    timeoutMs: 60_000,
    what: "Succeeded",
  });
  expect(weights.seen).toEqual([0, 10, 20, 30, 0]);
  expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  expect(await api.replicas("podinfo")).toBe(0);
  expect(sync.applies).toBeGreaterThanOrEqual(4);
}

describe("GitOps fidelity during a release", () => {
  it("Flux: server-side apply by kustomize-controller every 5 s", async () => {
    await releaseUnder("flux", fluxApply);
  });

  it("Argo CD: client-side kubectl apply every 5 s", async () => {
    await releaseUnder("argo", argoApply);
  });
});
