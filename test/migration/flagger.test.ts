// In-place migration from Flagger 1.44 (built from its Go module, scripts/flagger.sh), run against our
// CRDs on the local cluster. Flagger initializes the seed's Canary (its own status, -primary, Services,
// Upstreams, RouteTable); Flagger stops and Siskin starts. A RouteTable watch shows the traffic never
// leaves 100/0 during the switch, the Canary is not re-initialized or analysed, and the next
// `set image` runs a normal analysis. A Canary Flagger left mid-run is restarted from weight 0.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import {
  everyFieldAlertProvider,
  everyFieldCanary,
  everyFieldMetricTemplate,
} from "../fixtures/every-field.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoHpa,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import {
  CanaryApi,
  PhaseRecorder,
  WeightRecorder,
} from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";

const run = promisify(execFile);
let flaggerBinary = "";
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  flaggerBinary = (
    await run("bash", [join(repoRoot, "scripts/flagger.sh")], {
      timeout: 900_000,
    })
  ).stdout.trim();
}, 900_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFlagger(ns: string): Promise<ComponentProcess> {
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), "flagger-"));
  const flagger = new ComponentProcess(
    "flagger",
    flaggerBinary,
    [
      `-kubeconfig=${clusterState().kubeconfig}`,
      "-mesh-provider=gloo",
      `-namespace=${ns}`,
      "-metrics-server=http://127.0.0.1:9",
      `-port=${port}`,
      "-log-level=info",
    ],
    join(dir, "flagger.log"),
  );
  cleanups.push(() => flagger.stop());
  return flagger;
}

function startSiskin(ns: string): OperatorProcess {
  const siskin = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
  });
  siskin.start();
  cleanups.push(() => siskin.stop());
  return siskin;
}

/** The seed's Canary without the load tester hooks and the HPA (not what this test is about). */
async function canaryUnderFlagger(prefix: string) {
  const namespace = await createTestNamespace(prefix);
  cleanups.push(namespace.dispose);
  const ns = namespace.name;
  const api = new CanaryApi(kubeConfig(), ns);
  await api.apps.createNamespacedDeployment({
    namespace: ns,
    body: podinfoDeployment(ns),
  });
  const canary = podinfoCanary(ns, {
    interval: "2s",
    stepWeight: 10,
    maxWeight: 30,
    metrics: [],
    webhooks: [],
  });
  delete canary.spec.autoscalerRef;
  await api.createCanary(canary);
  const flagger = await startFlagger(ns);
  await eventually(async () => (await api.status()).phase === "Initialized", {
    timeoutMs: 60_000,
    what: () => `Flagger to initialize (log: ${flagger.logPath})`,
  });
  return { ns, api, flagger };
}

describe("migration from Flagger 1.44", () => {
  it("takes over an initialized Canary with no traffic change, then runs the next release", async () => {
    const { ns, api, flagger } = await canaryUnderFlagger("migrate");
    const flaggerStatus = await api.status();
    expect(flaggerStatus.lastAppliedSpec).toMatch(/^[a-z0-9]+$/);
    await api.routedTo([100, 0]);
    expect(await api.replicas("podinfo")).toBe(0);

    const weights = new WeightRecorder();
    await weights.start(api);
    const phases = new PhaseRecorder();
    await phases.start(api);
    cleanups.push(async () => {
      weights.stop();
      phases.stop();
    });

    await flagger.stop();
    const siskin = startSiskin(ns);
    await eventually(
      async () => /adopted the status/.test(siskin.logTail(200)),
      { what: () => `Siskin to adopt (log: ${siskin.logPath})` },
    );
    await eventually(
      async () =>
        /^[0-9a-f]{16}$/.test((await api.status()).lastAppliedSpec ?? ""),
      { what: "Siskin's revision in status" },
    );
    const adopted = await api.status();
    expect(adopted.phase).toBe("Initialized");
    expect(adopted.lastPromotedSpec).toBe(adopted.lastAppliedSpec);
    expect(await api.replicas("podinfo")).toBe(0);
    expect(weights.seen).toEqual([0]); // every version of the RouteTable: 100/0
    expect(phases.seen).not.toContain("Progressing");
    expect(phases.seen).not.toContain("Initializing");

    // The next release: a normal analysis under Siskin.
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => (await api.status()).phase === "Succeeded", {
      timeoutMs: 60_000,
      what: "Succeeded",
    });
    expect(weights.seen).toEqual([0, 10, 20, 30, 0]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect(siskin.logTail(2000)).not.toMatch(/"level":"error"/);
  });

  it("restarts a run Flagger left mid-analysis from weight 0, then promotes", async () => {
    const { ns, api, flagger } = await canaryUnderFlagger("midrun");
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 10, {
      timeoutMs: 60_000,
      what: () => `Flagger to shift weight (log: ${flagger.logPath})`,
    });
    await flagger.stop();
    const left = await api.status();
    expect(left.phase).toBe("Progressing");

    const weights = new WeightRecorder();
    await weights.start(api);
    cleanups.push(async () => weights.stop());
    startSiskin(ns);
    await eventually(async () => (await api.status()).phase === "Succeeded", {
      timeoutMs: 60_000,
      what: "Succeeded",
    });
    // Back to the primary first, then every step again, then promotion.
    expect(weights.seen.slice(-5)).toEqual([0, 10, 20, 30, 0]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("keeps every Flagger field across the switch and names the ones its router ignores", async () => {
    const namespace = await createTestNamespace("fields");
    cleanups.push(namespace.dispose);
    const ns = namespace.name;
    const api = new CanaryApi(kubeConfig(), ns);
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    await api.apps.createNamespacedDeployment({
      namespace: ns,
      body: podinfoDeployment(ns),
    });
    await kubeConfig()
      .makeApiClient((await import("@kubernetes/client-node")).AutoscalingV2Api)
      .createNamespacedHorizontalPodAutoscaler({
        namespace: ns,
        body: podinfoHpa(ns),
      });
    const stored = async (plural: string, name: string) =>
      (await custom.getNamespacedCustomObject({
        group: "flagger.app",
        version: "v1beta1",
        namespace: ns,
        plural,
        name,
      })) as { spec: unknown };
    // MetricTemplate and AlertProvider with every field: stored whole.
    for (const [plural, body] of [
      ["metrictemplates", everyFieldMetricTemplate(ns)],
      ["alertproviders", everyFieldAlertProvider(ns)],
    ] as const) {
      await custom.createNamespacedCustomObject({
        group: "flagger.app",
        version: "v1beta1",
        namespace: ns,
        plural,
        body,
      });
      expect((await stored(plural, body.metadata.name)).spec).toEqual(
        body.spec,
      );
    }
    const canary = everyFieldCanary(ns, podinfoCanary(ns).spec);
    await api.createCanary(canary);
    expect((await stored("canaries", "podinfo")).spec).toEqual(canary.spec);

    const flagger = await startFlagger(ns);
    await eventually(async () => (await api.status()).phase === "Initialized", {
      timeoutMs: 60_000,
      what: () => `Flagger to initialize (log: ${flagger.logPath})`,
    });
    await flagger.stop();
    const siskin = startSiskin(ns);
    const condition = await eventually(
      async () =>
        (await api.status()).conditions?.find(
          (c) => c.type === "FieldsIgnored",
        ),
      { what: () => `the FieldsIgnored condition (log: ${siskin.logPath})` },
    );
    expect(condition).toMatchObject({ status: "True", observedGeneration: 1 });
    for (const field of [
      "spec.service.trafficPolicy (Istio)",
      "spec.service.gatewayRefs (Gateway API)",
      "spec.service.meshName (App Mesh)",
      "spec.ingressRef (NGINX)",
      "spec.analysis.sessionAffinity",
      "spec.analysis.match[].sourceLabels (Istio)",
    ])
      expect(condition.message).toContain(field);
    expect(condition.message).toMatch(/ignored on provider gloo/);
    expect(condition.message).not.toContain("upstreamRef");
    expect((await api.status()).phase).toBe("Initialized");
    // The Promoted condition is still there beside it.
    expect((await api.status()).conditions?.map((c) => c.type).sort()).toEqual([
      "FieldsIgnored",
      "Promoted",
    ]);

    // One Warning Event for the generation, however many reconciles follow.
    await eventually(
      async () =>
        (await api.eventMessages()).some((e) => e.reason === "FieldsIgnored"),
      { what: "the FieldsIgnored event" },
    );
    // More reconciles of the same generation: a change of the target's labels wakes the Canary.
    const reconciles = () =>
      siskin.metric("controller_runtime_reconcile_total");
    for (const value of ["1", "2", "3"]) {
      const before = await reconciles();
      await api.patchDeployment("podinfo", [
        { op: "add", path: "/metadata/labels/poke", value },
      ]);
      await eventually(async () => (await reconciles()) > before, {
        what: "a reconcile after the target changed",
      });
    }
    const { spec } = await stored("canaries", "podinfo");
    expect(spec).toEqual(canary.spec);
    // Siskin applies the Services without the unmanaged keys, so a label other tools set stays theirs.
    const apex = await api.core.readNamespacedService({
      name: "podinfo",
      namespace: ns,
    });
    expect(apex.metadata?.labels?.tier).toBe("web");
    expect(apex.spec?.trafficDistribution).toBe("PreferClose");
    const warnings = (await api.eventMessages()).filter(
      (e) => e.reason === "FieldsIgnored",
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: "Warning" });
  });
});
