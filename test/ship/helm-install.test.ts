// The chart installed for real (helm install, not only template) and read back from the API server:
// every optional part on over Flagger 1.44's own values.yaml (load tester, dashboard, Prometheus add-on,
// ServiceMonitor and PodMonitor with their CRDs present). The CRD lifecycle is in crd-lifecycle.test.ts.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  AuthorizationV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  areCrdsEstablished,
  installCrds,
} from "../../dev/cluster/bootstrap.ts";
import { repoRoot } from "../../dev/cluster/cluster.ts";
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
