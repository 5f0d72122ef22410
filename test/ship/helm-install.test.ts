// The chart installed for real (helm install, not only template) and read back from the API server:
// every optional part on over Flagger 1.44's own values.yaml (load tester, dashboard, Prometheus add-on,
// ServiceMonitor and PodMonitor with their CRDs present), and the CRD lifecycle on a clean API server:
// created on install, updated by an upgrade, kept with every Canary on uninstall, and an upgrade from the
// previous chart version (0.1.0, from Git) with --reuse-values, then adopting its CRDs.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  ApiextensionsV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  areCrdsEstablished,
  installCrds,
} from "../../dev/cluster/bootstrap.ts";
import {
  gatewayApiCrds,
  repoRoot,
  startCluster,
  type LocalCluster,
} from "../../dev/cluster/cluster.ts";
import { glooCrds } from "../../dev/crds/gloo.ts";
import { prometheusOperatorCrds } from "../../dev/crds/prometheus-operator.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";

const run = promisify(execFile);
const chart = join(repoRoot, "charts/siskin");
let helm = "";
let flaggerValues = "";

beforeAll(async () => {
  helm = (
    await run("bash", [join(repoRoot, "scripts/helm.sh")], { timeout: 900_000 })
  ).stdout.trim();
  // Flagger 1.44's own values.yaml, from its Go module (scripts/flagger.sh downloaded it).
  const module = (
    await run(
      "go",
      ["mod", "download", "-json", "github.com/fluxcd/flagger@v1.44.0"],
      {
        cwd: mkdtempSync(join(tmpdir(), "siskin-flagger-mod-")),
        env: { ...process.env, GOFLAGS: "-mod=mod" },
      },
    )
  ).stdout;
  flaggerValues = join(
    (JSON.parse(module) as { Dir: string }).Dir,
    "charts/flagger/values.yaml",
  );
  const kc = kubeConfig();
  const names = await installCrds(kc, prometheusOperatorCrds() as never);
  await eventually(() => areCrdsEstablished(kc, names), {
    what: "ServiceMonitor and PodMonitor CRDs",
  });
}, 900_000);

const helmOn =
  (kubeconfig: string) =>
  (...args: string[]) =>
    run(helm, [...args, "--kubeconfig", kubeconfig], { maxBuffer: 16 << 20 });

/** helm's stderr for a command expected to fail. */
const refusal = (args: string[]) =>
  run(helm, args).then(
    () => "succeeded",
    (e: { stderr: string }) => e.stderr,
  );

describe("helm install with every optional part, over Flagger 1.44's values.yaml", () => {
  let ns: Awaited<ReturnType<typeof createTestNamespace>>;
  let monitoring: Awaited<ReturnType<typeof createTestNamespace>>;
  const release = "flagger";
  const h = () => helmOn(clusterState().kubeconfig);

  beforeAll(async () => {
    ns = await createTestNamespace("siskin-full");
    monitoring = await createTestNamespace("monitoring");
    await h()(
      "install",
      release,
      chart,
      "--namespace",
      ns.name,
      "-f",
      flaggerValues,
      "--set",
      "meshProvider=gloo",
      "--set",
      "logLevel=warning",
      "--set",
      "loadtester.enabled=true",
      "--set",
      "loadtester.image.pullSecret=registry",
      "--set",
      "loadtester.nodeSelector.pool=tools",
      "--set",
      "dashboard.enabled=true",
      "--set",
      "prometheus.install=true",
      "--set",
      "serviceMonitor.enabled=true",
      "--set",
      "serviceMonitor.labels.release=kube-prometheus-stack",
      "--set",
      `serviceMonitor.namespace=${monitoring.name}`,
      "--set",
      "serviceMonitor.honorLabels=true",
      "--set",
      "podMonitor.enabled=true",
      "--set",
      "podMonitor.additionalLabels.release=kube-prometheus-stack",
    );
  }, 180_000);

  afterAll(async () => {
    await h()("uninstall", release, "--namespace", ns?.name ?? "").catch(
      () => undefined,
    );
    await ns?.dispose();
    await monitoring?.dispose();
  });

  it("stores a hardened load tester, a Recreate operator with Flagger's annotations and affinity, and scrapable monitors", async () => {
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    const operator = await apps.readNamespacedDeployment({
      name: "flagger-siskin",
      namespace: ns.name,
    });
    // No leader election: never two operators, not even during an upgrade.
    expect(operator.spec?.strategy?.type).toBe("Recreate");
    const pod = operator.spec?.template;
    expect(pod?.metadata?.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
    });
    expect(pod?.spec?.containers[0]?.args).toContain("--log-level=warning");
    // Flagger's templated affinity, rendered for this release.
    expect(
      pod?.spec?.affinity?.podAntiAffinity
        ?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm
        .labelSelector?.matchLabels,
    ).toEqual({
      "app.kubernetes.io/name": "siskin",
      "app.kubernetes.io/instance": release,
    });
    const tester = await apps.readNamespacedDeployment({
      name: "flagger-loadtester",
      namespace: ns.name,
    });
    const container = tester.spec?.template.spec?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container?.readinessProbe?.httpGet?.path).toBe("/healthz");
    expect(container?.volumeMounts).toEqual([
      expect.objectContaining({ name: "tmp", mountPath: "/tmp" }),
    ]);
    expect(tester.spec?.template.spec?.imagePullSecrets).toEqual([
      { name: "registry" },
    ]);
    expect(tester.spec?.template.spec?.nodeSelector).toEqual({ pool: "tools" });
    const custom = kubeConfig().makeApiClient(CustomObjectsApi);
    const serviceMonitor = (await custom.getNamespacedCustomObject({
      group: "monitoring.coreos.com",
      version: "v1",
      namespace: monitoring.name,
      plural: "servicemonitors",
      name: "flagger-siskin",
    })) as {
      metadata: { labels: Record<string, string> };
      spec: {
        endpoints: { honorLabels: boolean }[];
        namespaceSelector: unknown;
      };
    };
    expect(serviceMonitor.metadata.labels.release).toBe(
      "kube-prometheus-stack",
    );
    expect(serviceMonitor.spec.endpoints[0]?.honorLabels).toBe(true);
    expect(serviceMonitor.spec.namespaceSelector).toEqual({
      matchNames: [ns.name],
    });
    const podMonitor = (await custom.getNamespacedCustomObject({
      group: "monitoring.coreos.com",
      version: "v1",
      namespace: ns.name,
      plural: "podmonitors",
      name: "flagger-siskin",
    })) as { metadata: { labels: Record<string, string> } };
    expect(podMonitor.metadata.labels.release).toBe("kube-prometheus-stack");
  });

  it("lets people with the built-in edit and view roles work with Canaries (aggregated ClusterRoles)", async () => {
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    for (const [user, role] of [
      ["editor", "edit"],
      ["viewer", "view"],
    ] as const)
      await rbac.createNamespacedRoleBinding({
        namespace: ns.name,
        body: {
          metadata: { name: user },
          roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: role,
          },
          subjects: [
            { kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" },
          ],
        },
      });
    const authz = kubeConfig().makeApiClient(AuthorizationV1Api);
    const may = async (user: string, verb: string) =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user,
              resourceAttributes: {
                group: "flagger.app",
                resource: "canaries",
                verb,
                namespace: ns.name,
              },
            },
          },
        })
      ).status?.allowed ?? false;
    // The controller-manager aggregates the rules into edit and view in a moment.
    await eventually(
      async () =>
        (await may("editor", "create")) && (await may("viewer", "list")),
      {
        what: "aggregated Canary rules in the edit and view roles",
      },
    );
    expect(await may("viewer", "patch")).toBe(false);
  });

  it("refuses several replicas without leader election, and rolls replicas with it", async () => {
    const base = ["template", "x", chart];
    expect(await refusal([...base, "--set", "replicaCount=2"])).toMatch(
      /replicaCount > 1 needs leaderElection.enabled=true/,
    );
    const rendered = (
      await run(helm, [
        ...base,
        "--set",
        "replicaCount=2",
        "--set",
        "leaderElection.enabled=true",
      ])
    ).stdout;
    expect(rendered).toMatch(/strategy:\s+type: RollingUpdate/);
    // Flagger values that would change behaviour are refused, saying why; their defaults are fine.
    expect(
      await refusal([...base, "--set", "linkerdAuthPolicy.create=true"]),
    ).toMatch(/Linkerd viz/);
    expect(
      await refusal([
        ...base,
        "--set",
        "controlplane.kubeconfig.secretName=remote",
      ]),
    ).toMatch(/another cluster/);
  });
});

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
    ])
      await crdApi().deleteCustomResourceDefinition({ name });
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
