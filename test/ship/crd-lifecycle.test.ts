// The chart's CRD lifecycle on a clean API server (its own local cluster, helm for real): created on
// install, updated by an upgrade, kept with every Canary on uninstall, and an upgrade from the previous
// chart version (0.1.0, from Git) with --reuse-values, then adopting its CRDs. Split from
// helm-install.test.ts.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { areCrdsEstablished } from "../../dev/cluster/bootstrap.ts";
import {
  gatewayApiCrds,
  repoRoot,
  startCluster,
  type LocalCluster,
} from "../../dev/cluster/cluster.ts";
import { glooCrds } from "../../dev/crds/gloo.ts";
import { eventually } from "../support/cluster.ts";

const run = promisify(execFile);
const chart = join(repoRoot, "charts/siskin");
let helm = "";

beforeAll(async () => {
  helm = (
    await run("bash", [join(repoRoot, "scripts/helm.sh")], { timeout: 900_000 })
  ).stdout.trim();
}, 900_000);

const helmOn =
  (kubeconfig: string) =>
  (...args: string[]) =>
    run(helm, [...args, "--kubeconfig", kubeconfig], { maxBuffer: 16 << 20 });

describe("the CRD lifecycle on a clean API server", () => {
  let cluster: LocalCluster;
  let kc: KubeConfig;
  const h = () => helmOn(cluster.state.kubeconfig);
  const crdApi = () => kc.makeApiClient(ApiextensionsV1Api);
  const canarySchema = async () =>
    JSON.stringify(
      (
        await crdApi().readCustomResourceDefinition({
          name: "canaries.flagger.app",
        })
      ).spec.versions[0]?.schema,
    );
  const canary = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    metadata: { name, namespace: "apps" },
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      service: { port: 9898 },
      analysis: { interval: "10s", threshold: 1, stepWeight: 10 },
      ...extra,
    },
  });
  const createCanary = (body: object) =>
    kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: "apps",
      plural: "canaries",
      body,
    });
  const canaryNames = async () =>
    (
      (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: "flagger.app",
        version: "v1beta1",
        namespace: "apps",
        plural: "canaries",
      })) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((c) => c.metadata.name);

  beforeAll(async () => {
    // Everything but Siskin's CRDs.
    cluster = await startCluster({
      crds: [...(glooCrds() as never[]), ...gatewayApiCrds()],
    });
    kc = cluster.kubeConfig();
    await run(cluster.state.binDir + "/kubectl", [
      "--kubeconfig",
      cluster.state.kubeconfig,
      "create",
      "namespace",
      "apps",
    ]);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop({ removeDir: true });
  });

  it("install creates the CRDs, an upgrade brings new fields, uninstall keeps them and every Canary", async () => {
    await expect(
      crdApi().readCustomResourceDefinition({ name: "canaries.flagger.app" }),
    ).rejects.toBeDefined();
    await h()(
      "install",
      "siskin",
      chart,
      "--namespace",
      "siskin-system",
      "--create-namespace",
    );
    const installed = await crdApi().readCustomResourceDefinition({
      name: "canaries.flagger.app",
    });
    expect(installed.metadata?.annotations).toMatchObject({
      "helm.sh/resource-policy": "keep",
      "meta.helm.sh/release-name": "siskin",
    });
    await eventually(() => areCrdsEstablished(kc, ["canaries.flagger.app"]), {
      what: "Canary CRD established",
    });
    // Right after a CRD is Established the API server may still answer 429 for a moment.
    await eventually(
      () =>
        createCanary(canary("podinfo", { routers: ["gloo"] })).then(() => true),
      { what: "a Canary created" },
    );
    // The next chart version's Canary CRD has a field this one lacks: helm upgrade brings it.
    const next = join(
      mkdtempSync(join(tmpdir(), "siskin-next-chart-")),
      "siskin",
    );
    cpSync(chart, next, { recursive: true });
    const file = join(next, "files/crds/flagger.app_canaries.yaml");
    const crd = parse(readFileSync(file, "utf8")) as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: { spec: { properties: Record<string, unknown> } };
            };
          };
        }[];
      };
    };
    crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.nextChartField =
      { type: "string" };
    writeFileSync(file, stringify(crd));
    await h()("upgrade", "siskin", next, "--namespace", "siskin-system");
    expect(await canarySchema()).toContain("nextChartField");
    await h()("uninstall", "siskin", "--namespace", "siskin-system");
    expect(await canarySchema()).toContain("nextChartField");
    // A changed CRD's storage reinitializes for a moment (429): read when it serves again.
    expect(
      await eventually(() => canaryNames(), { what: "Canaries listed" }),
    ).toEqual(["podinfo"]);
  });

  it("upgrades from the previous chart version with --reuse-values, then adopts its CRDs when asked", async () => {
    // Start over from a cluster as 0.1.0 left it: its crds/ folder installed the CRDs, outside the release.
    // The Canaries go first: the API server's CRD finalizer deletes a CRD's objects itself, but it
    // lists them through the storage the last upgrade just replaced, and while that storage answers
    // 429 it backs off exponentially (a CI run waited over 30 s for it).
    await eventually(
      async () => {
        await kc
          .makeApiClient(CustomObjectsApi)
          .deleteCollectionNamespacedCustomObject({
            group: "flagger.app",
            version: "v1beta1",
            namespace: "apps",
            plural: "canaries",
          });
        return (await canaryNames()).length === 0;
      },
      { what: "Canaries deleted" },
    );
    for (const name of [
      "canaries.flagger.app",
      "metrictemplates.flagger.app",
      "alertproviders.flagger.app",
    ]) {
      await crdApi().deleteCustomResourceDefinition({ name });
      // Its objects are gone already (above; no templates or providers were made): lift the cleanup
      // finalizer rather than wait out its backoff, which has exceeded 120 s on a loaded CI machine.
      await run(join(cluster.state.binDir, "kubectl"), [
        "--kubeconfig",
        cluster.state.kubeconfig,
        "patch",
        "crd",
        name,
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":null}}',
      ]).catch(() => undefined);
    }
    await eventually(
      async () =>
        !(await crdApi().listCustomResourceDefinition()).items.some(
          (c) => c.spec.group === "flagger.app",
        ),
      // The finalizer still polls; this is the API server's pace, not Siskin's.
      { what: "old CRDs gone", timeoutMs: 120_000 },
    );
    const previous = mkdtempSync(join(tmpdir(), "siskin-previous-chart-"));
    await run("bash", [
      "-c",
      `git -C "${repoRoot}" archive 6048d16 charts/siskin | tar -x -C "${previous}"`,
    ]);
    const old = join(previous, "charts/siskin");
    expect(readFileSync(join(old, "Chart.yaml"), "utf8")).toMatch(
      /version: 0\.1\.0/,
    );
    await h()(
      "install",
      "flagger",
      old,
      "--namespace",
      "siskin-system",
      "--set",
      "meshProvider=gloo",
      "--set",
      "clusterName=prod",
    );
    expect(await canarySchema()).not.toContain('"routers"');
    await eventually(() => areCrdsEstablished(kc, ["canaries.flagger.app"]), {
      what: "0.1.0's Canary CRD established",
    });
    await eventually(() => createCanary(canary("legacy")).then(() => true), {
      what: "a Canary created",
    });
    // The upgrade keeps 0.1.0's values and leaves the CRDs it does not own alone, saying how to adopt them.
    // The upgrade keeps 0.1.0's values (crd.create=false among them: the CRDs stay as they are) and says
    // how to bring them up to date.
    const upgraded = await h()(
      "upgrade",
      "flagger",
      chart,
      "--namespace",
      "siskin-system",
      "--reuse-values",
    );
    expect(upgraded.stdout).toMatch(/The CRDs are not managed by this release/);
    expect(await canarySchema()).not.toContain('"routers"');
    const args = (
      await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({
        name: "flagger-siskin",
        namespace: "siskin-system",
      })
    ).spec?.template.spec?.containers[0]?.args;
    expect(args).toEqual(
      expect.arrayContaining(["--mesh-provider=gloo", "--cluster-name=prod"]),
    );
    // Adopt them as the notes say, and upgrade again: the CRDs are now the chart's, with this version's fields.
    const kubectl = join(cluster.state.binDir, "kubectl");
    for (const name of [
      "canaries.flagger.app",
      "metrictemplates.flagger.app",
      "alertproviders.flagger.app",
    ]) {
      await run(kubectl, [
        "--kubeconfig",
        cluster.state.kubeconfig,
        "annotate",
        "crd",
        name,
        "meta.helm.sh/release-name=flagger",
        "meta.helm.sh/release-namespace=siskin-system",
        "--overwrite",
      ]);
      await run(kubectl, [
        "--kubeconfig",
        cluster.state.kubeconfig,
        "label",
        "crd",
        name,
        "app.kubernetes.io/managed-by=Helm",
        "--overwrite",
      ]);
    }
    await h()(
      "upgrade",
      "flagger",
      chart,
      "--namespace",
      "siskin-system",
      "--reuse-values",
      "--set",
      "crd.create=true",
    );
    expect(await canarySchema()).toContain('"routers"');
    expect(
      await eventually(() => canaryNames(), { what: "Canaries listed" }),
    ).toEqual(["legacy"]);
  }, 300_000);
});
