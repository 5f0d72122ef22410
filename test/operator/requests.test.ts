// Day-2 requests through `kubectl siskin` (the CLI run as a process, as a person or CI would), with the
// operator running: results read from the API server and the RouteTable, exit codes from the CLI.
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { WeightRecorder } from "../support/canary-api.ts";
import { kubectlSiskin, cliEntry, startKubectlSiskin } from "../support/cli.ts";
import {
  clusterState,
  eventually,
  kubeConfig,
  serviceAccountKubeconfig,
} from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";

const run = promisify(execFile);
const scenarios: Scenario[] = [];
afterAll(async () => {
  await Promise.all(scenarios.map((s) => s.dispose()));
});

const siskin = (s: Scenario, ...args: string[]) => kubectlSiskin(s.ns, ...args);
/** `kubectl siskin wait podinfo --for promoted --timeout T`, as a CI job runs it. */
const waitPromoted = (s: Scenario, timeout = "60s") =>
  siskin(s, "wait", "podinfo", "--for", "promoted", "--timeout", timeout);

/** A weighted canary without metrics (every step passes) at interval 2s: only the requests decide. */
async function releasing(prefix: string): Promise<Scenario> {
  const s = await startScenario(prefix);
  scenarios.push(s);
  await initializePodinfo(
    s,
    podinfoCanary(s.ns, {
      interval: "2s",
      stepWeight: 10,
      maxWeight: 50,
      metrics: [],
    }),
  );
  await s.api.setImage("podinfo", podinfoImage("6.0.1"));
  await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 10, {
    what: "weight 10",
  });
  return s;
}

/** Re-applies the Canary's manifest the way Flux does: server-side, its own field manager, forced. */
async function fluxApply(s: Scenario): Promise<void> {
  const manifest = podinfoCanary(s.ns, {
    interval: "2s",
    stepWeight: 10,
    maxWeight: 50,
    metrics: [],
  });
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      {
        group: "flagger.app",
        version: "v1beta1",
        namespace: s.ns,
        plural: "canaries",
        name: "podinfo",
        body: manifest,
        fieldManager: "kustomize-controller",
        force: true,
      },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
}

describe("requests through kubectl siskin", () => {
  it("pause holds the weight through GitOps re-applies; resume goes on to Succeeded", async () => {
    const s = await releasing("pause");
    const paused = await siskin(s, "pause", "podinfo");
    expect(paused).toMatchObject({ code: 0 });
    expect(paused.out).toMatch(/pause .*: done: paused by/);
    const held = (await s.api.status()).canaryWeight;
    // After each re-apply the operator reconciles the Canary again (woken by a change of the target's
    // labels: an identical re-apply changes nothing it watches) and still holds the weight: a signal
    // that it looked, not a sleep.
    const reconciles = () =>
      s.operator.metric("controller_runtime_reconcile_total");
    for (let i = 0; i < 3; i++) {
      await fluxApply(s);
      const before = await reconciles();
      await s.api.patchDeployment("podinfo", [
        { op: "add", path: "/metadata/labels/poke", value: String(i) },
      ]);
      await eventually(async () => (await reconciles()) > before, {
        what: "a reconcile after the re-apply",
      });
    }
    expect(await s.api.status()).toMatchObject({
      phase: "Progressing",
      canaryWeight: held,
    });
    expect((await s.api.weights())?.[1]).toBe(held);
    // A second pause is refused, saying why, with exit code 1.
    const again = await siskin(s, "pause", "podinfo");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/refused: already paused by/);
    expect(await siskin(s, "resume", "podinfo")).toMatchObject({ code: 0 });
    expect(await waitPromoted(s)).toMatchObject({ code: 0 });
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("wait decides by revision: done at once after a fast run, never the previous release's outcome", async () => {
    const s = await releasing("waitrev");
    await s.waitForPhase("Succeeded");
    // A CI step that starts waiting after the run already promoted the image: exit 0 at once (the
    // clock-based wait counted only outcomes reached after it began, and timed out with exit 2).
    const started = Date.now();
    const late = await siskin(
      s,
      "wait",
      "podinfo",
      "--for",
      "promoted",
      "--timeout",
      "8s",
    );
    expect(late).toMatchObject({ code: 0 });
    expect(late.out).toMatch(/: Succeeded/);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(
      (
        await siskin(
          s,
          "wait",
          "podinfo",
          "--for",
          "promoted",
          "--image",
          podinfoImage("6.0.1"),
          "--timeout",
          "8s",
        )
      ).code,
    ).toBe(0);

    // Right after `set image`, the previous release's Succeeded is not accepted: the wait holds
    // until the new revision's own outcome, here a rollback (exit 1).
    await s.api.setImage("podinfo", podinfoImage("6.0.2"));
    const waiting = await startKubectlSiskin(
      s.ns,
      /waiting up to 60s for .*: promoted/,
      "wait",
      "podinfo",
      "--for",
      "promoted",
      "--timeout",
      "60s",
    );
    await eventually(
      async () => (await s.api.status()).phase === "Progressing",
      {
        what: "the new revision's run",
      },
    );
    expect(
      (await siskin(s, "abort", "podinfo", "--reason", "bad build")).code,
    ).toBe(0);
    const waited = await waiting.result;
    expect(waited.code).toBe(1);
    expect(waited.out).toMatch(/ended Failed, not promoted/);

    // That revision rolled back: a wait started later ends at once with exit 1; --for failed with 0.
    expect(
      (
        await siskin(
          s,
          "wait",
          "podinfo",
          "--for",
          "promoted",
          "--timeout",
          "8s",
        )
      ).code,
    ).toBe(1);
    expect(
      (await siskin(s, "wait", "podinfo", "--for", "failed", "--timeout", "8s"))
        .code,
    ).toBe(0);
    // An image nobody deployed: nothing to decide, a timeout (2) that says why.
    const never = await siskin(
      s,
      "wait",
      "podinfo",
      "--for",
      "promoted",
      "--image",
      "podinfo:never",
      "--timeout",
      "3s",
    );
    expect(never.code).toBe(2);
    expect(never.out).toMatch(/does not run podinfo:never/);
  });

  it("abort rolls back at once; retry analyses the same revision again to Succeeded", async () => {
    const s = await releasing("abort");
    // A CI job waiting for promotion sees the rollback: exit 1, with the reason. The abort is sent once
    // the wait has read the Canary (its progress line), as it would follow `set image` in a pipeline.
    const waiting = await startKubectlSiskin(
      s.ns,
      /waiting up to 60s for .*: promoted; now in phase Progressing/,
      "wait",
      "podinfo",
      "--for",
      "promoted",
      "--timeout",
      "60s",
    );
    const aborted = await siskin(
      s,
      "abort",
      "podinfo",
      "--reason",
      "error budget spent",
    );
    expect(aborted.code).toBe(0);
    expect(await s.api.status()).toMatchObject({
      phase: "Failed",
      canaryWeight: 0,
    });
    await s.api.routedTo([100, 0]);
    const waited = await waiting.result;
    expect(waited.code).toBe(1);
    expect(waited.out).toMatch(/ended Failed, not promoted/);
    expect(waited.out).toMatch(/aborted by .*: error budget spent/);

    const weights = new WeightRecorder();
    await weights.start(s.api);
    expect((await siskin(s, "retry", "podinfo")).code).toBe(0);
    await s.waitForPhase("Succeeded");
    weights.stop();
    expect(weights.seen).toEqual([0, 10, 20, 30, 40, 50, 0]);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    // Nothing to abort now: refused, exit 1.
    const late = await siskin(s, "abort", "podinfo");
    expect(late.code).toBe(1);
    expect(late.out).toMatch(/nothing to abort in phase Succeeded/);
  });

  it("promote finishes a run now; kubectl wait --for=condition=Promoted works", async () => {
    const s = await releasing("promote");
    // `status --watch` in a pseudo-terminal (util-linux script), as a person sees it.
    const command = [
      process.execPath,
      cliEntry,
      `--kubeconfig=${clusterState().kubeconfig}`,
      `-n ${s.ns}`,
      "status podinfo --watch",
    ].join(" ");
    const terminal = spawn("script", ["-qfec", command, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true, // its own process group, stopped as a whole below
    });
    let screen = "";
    terminal.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    try {
      await eventually(async () => /canary weight [1-9]0%/.test(screen), {
        what: () => `the watch to show a weight (screen: ${screen})`,
      });
      expect((await siskin(s, "promote", "podinfo")).code).toBe(0);
      await s.waitForPhase("Succeeded", 20_000);
      await eventually(
        async () => /: Succeeded, canary weight 0%/.test(screen),
        {
          what: () => `the watch to show Succeeded (screen: ${screen})`,
        },
      );
      expect(screen).toMatch(/last request: promote by .*: done/);
    } finally {
      if (terminal.pid) process.kill(-terminal.pid, "SIGTERM");
    }
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    const kubectl = join(clusterState().binDir, "kubectl");
    const waited = await run(kubectl, [
      `--kubeconfig=${clusterState().kubeconfig}`,
      "-n",
      s.ns,
      "wait",
      "canary/podinfo",
      "--for=condition=Promoted",
      "--timeout=30s",
    ]);
    expect(waited.stdout).toMatch(/condition met/);
    // The record of the request, as `status` shows it, and `get`'s table.
    const status = await siskin(s, "status", "podinfo");
    expect(status.out).toMatch(/last request: promote by .*: done/);
    // The run's timeline, from the Canary's Events.
    expect(status.out).toMatch(/timeline \(since the revision started\):/);
    expect(status.out).toMatch(/Synced: Advance \S+ canary weight 10/);
    expect(status.out).toMatch(
      /RequestDone: promote request \S+ for \S+: promoted by/,
    );
    const get = await siskin(s, "get");
    expect(get.out).toMatch(/^NAME\s+PHASE\s+WEIGHT\s+FAILED/m);
    expect(get.out).toMatch(/^podinfo\s+Succeeded\s+0\s+/m);
    // The promoted revision is the target's current one: a wait now ends at once.
    expect((await waitPromoted(s, "3s")).code).toBe(0);
  });

  it("a promote is carried out once when the operator is killed right after writing it", async () => {
    const s = await releasing("promote-kill");
    const answered = siskin(s, "promote", "podinfo");
    await eventually(
      async () => (await s.api.status()).lastRequest?.action === "promote",
      { intervalMs: 10, what: "the promote recorded" },
    );
    await s.operator.kill();
    s.operator.start();
    expect((await answered).code).toBe(0);
    await s.waitForPhase("Succeeded");
    const events = await s.api.core.listNamespacedEvent({ namespace: s.ns });
    // Never announced twice. The Event follows the status write, so a kill between the two loses it
    // (Events are announcements, at most once); the record in the status is what counts.
    const done = events.items.filter((e) => e.reason === "RequestDone");
    expect(done.reduce((n, e) => n + (e.count ?? 1), 0)).toBeLessThanOrEqual(1);
    expect((await s.api.status()).lastRequest).toMatchObject({
      action: "promote",
      result: "done",
    });
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("a person without patch on the Canary is refused by the API server, not the operator", async () => {
    const s = await releasing("rbac");
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({
      namespace: s.ns,
      body: { metadata: { name: "viewer" } },
    });
    await rbac.createNamespacedRole({
      namespace: s.ns,
      body: {
        metadata: { name: "canary-viewer" },
        rules: [
          {
            apiGroups: ["flagger.app"],
            resources: ["canaries"],
            verbs: ["get", "list", "watch"],
          },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: s.ns,
      body: {
        metadata: { name: "canary-viewer" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Role",
          name: "canary-viewer",
        },
        subjects: [{ kind: "ServiceAccount", name: "viewer", namespace: s.ns }],
      },
    });
    const kubeconfig = await serviceAccountKubeconfig(s.ns, "viewer");
    // Reading is allowed; the request is refused by the API server (403), and nothing changes.
    expect((await siskin(s, `--kubeconfig=${kubeconfig}`, "get")).code).toBe(0);
    const refused = await siskin(
      s,
      `--kubeconfig=${kubeconfig}`,
      "abort",
      "podinfo",
    );
    expect(refused.code).toBe(3); // an error, not a timeout (2)
    expect(refused.out).toMatch(/403/);
    expect((await s.api.status()).phase).toBe("Progressing");
    expect((await s.api.status()).lastRequest).toBeUndefined();
  });
});
