// The Helm chart: lint and template for default values and the install line's --set flags; the ClusterRole is
// exactly src/kube/permissions.ts (each rule backed by a call in the code); `helm install` into the local
// cluster; then the operator, run with a token of the chart's ServiceAccount, completes S1 and S2.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AutoscalingV2Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { permissions } from "../../src/kube/permissions.ts";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import {
  promotedRun,
  PhaseRecorder,
  WeightRecorder,
} from "../support/canary-api.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import {
  clusterState,
  createTestNamespace,
  kubeConfig,
  serviceAccountKubeconfig,
} from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

const run = promisify(execFile);
const chart = join(repoRoot, "charts/siskin");
const seedFlags = [
  "--set",
  "meshProvider=gloo",
  "--set",
  "slack.url=https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK",
  "--set",
  "slack.channel=general",
  "--set",
  "clusterName=eks-demo",
];
let helm = "";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are read field by field */
type K8sObject = {
  kind: string;
  metadata: { name: string };
  spec?: any;
  rules?: any[];
};
/* eslint-enable @typescript-eslint/no-explicit-any */

async function template(...args: string[]): Promise<K8sObject[]> {
  const { stdout } = await run(helm, [
    "template",
    "siskin",
    chart,
    "--namespace",
    "siskin-system",
    ...args,
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

beforeAll(async () => {
  helm = (
    await run("bash", [join(repoRoot, "scripts/helm.sh")], { timeout: 900_000 })
  ).stdout.trim();
}, 900_000);

describe("Helm chart", () => {
  it("lints and renders with default values and with the seed's --set flags", async () => {
    await run(helm, ["lint", chart]);
    await run(helm, ["lint", chart, ...seedFlags]);
    const defaults = await template();
    expect(defaults.map((o) => o.kind).sort()).toEqual(
      [
        "ClusterRole",
        "ClusterRole", // siskin-operator, for people who run kubectl siskin
        "ClusterRole", // siskin-view and siskin-edit: Canaries in the built-in view, edit and admin roles
        "ClusterRole",
        "ClusterRoleBinding",
        // The CRDs, as part of the release (created on install, updated on upgrade, kept on uninstall).
        "CustomResourceDefinition",
        "CustomResourceDefinition",
        "CustomResourceDefinition",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
      ].sort(),
    );
    const seeded = await template(...seedFlags);
    const container = seeded.find((o) => o.kind === "Deployment")?.spec.template
      .spec.containers[0];
    expect(container.args).toEqual(
      expect.arrayContaining([
        "--mesh-provider=gloo",
        "--slack-url=$(SLACK_URL)",
        "--slack-channel=general",
        "--cluster-name=eks-demo",
      ]),
    );
    expect(container.env).toContainEqual({
      name: "SLACK_URL",
      value: "https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK",
    });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // The Slack URL can come from a Secret instead of values.
    const fromSecret = await template(
      "--set",
      "slack.secretRef.name=slack-webhook",
    );
    const env = fromSecret.find((o) => o.kind === "Deployment")?.spec.template
      .spec.containers[0].env;
    expect(env).toContainEqual({
      name: "SLACK_URL",
      valueFrom: { secretKeyRef: { name: "slack-webhook", key: "address" } },
    });
    // The load tester under Flagger's service name, and leader election for more than one replica.
    const full = await template(
      "--set",
      "loadtester.enabled=true",
      "--set",
      "leaderElection.enabled=true",
      "--set",
      "replicaCount=2",
      "--set",
      "podDisruptionBudget.enabled=true",
    );
    expect(
      full
        .filter((o) => o.metadata.name === "flagger-loadtester")
        .map((o) => o.kind)
        .sort(),
    ).toEqual([
      "Deployment",
      "Role",
      "RoleBinding",
      "Service",
      "ServiceAccount",
    ]);
    const operator = full.find(
      (o) => o.kind === "Deployment" && o.metadata.name === "siskin",
    );
    expect(operator?.spec.replicas).toBe(2);
    expect(operator?.spec.template.spec.containers[0].args).toContain(
      "--enable-leader-election=true",
    );
    expect(full.some((o) => o.kind === "PodDisruptionBudget")).toBe(true);
  });

  it("grants exactly the permissions the code uses, no wildcards, each backed by a call in the code", async () => {
    const objects = await template("--set", "dashboard.enabled=true");
    const granted = (kind: string, suffix = "") =>
      (
        objects.find(
          (o) =>
            o.kind === kind &&
            // the role for people is not the operator's; the dashboard's is checked on its own
            !o.metadata.name.endsWith("-operator") &&
            (suffix
              ? o.metadata.name.endsWith(suffix)
              : !o.metadata.name.endsWith("-dashboard")),
        )?.rules ?? []
      ).flatMap(
        (r: { apiGroups: string[]; resources: string[]; verbs: string[] }) =>
          r.apiGroups.flatMap((g) =>
            r.resources.flatMap((res) =>
              r.verbs.map((v) => `${g}/${res}:${v}`),
            ),
          ),
      );
    const needed = (namespaced: boolean, dashboard = false) =>
      permissions
        .filter(
          (p) =>
            p.namesFromValue === undefined &&
            (p.namespaced ?? false) === namespaced &&
            (p.dashboard ?? false) === dashboard,
        )
        .flatMap((p) =>
          p.resources.flatMap((res) =>
            p.verbs.map((v) => `${p.apiGroup}/${res}:${v}`),
          ),
        );
    expect(granted("ClusterRole").sort()).toEqual(needed(false).sort());
    expect(granted("Role").sort()).toEqual(needed(true).sort());
    expect(granted("ClusterRole", "-dashboard").sort()).toEqual(
      needed(false, true).sort(),
    );
    // The dashboard's Service reaches the operator's dashboard port, which the operator is told to use.
    const service = objects.find(
      (o) => o.kind === "Service" && o.metadata.name === "siskin-dashboard",
    );
    expect(service?.spec.ports[0]).toMatchObject({
      port: 80,
      targetPort: "dashboard",
    });
    const operator = objects.find(
      (o) => o.kind === "Deployment" && o.metadata.name === "siskin",
    );
    const container = operator?.spec.template.spec.containers[0];
    expect(container.args).toContain("--dashboard-port=9898");
    expect(container.ports).toContainEqual({
      name: "dashboard",
      containerPort: 9898,
    });
    // A permission on names a value lists: none by default, exactly those names when set.
    for (const p of permissions.filter((x) => x.namesFromValue)) {
      const listed = await template(
        "--set",
        `${p.namesFromValue}={http_requests,queue-depth}`,
      );
      const rules = listed.find(
        (o) => o.kind === "ClusterRole" && o.metadata.name === "siskin",
      )?.rules as {
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }[];
      expect(rules.filter((r) => r.apiGroups.includes(p.apiGroup))).toEqual([
        {
          apiGroups: [p.apiGroup],
          resources: ["http_requests", "queue-depth"],
          verbs: p.verbs,
        },
      ]);
      expect(
        granted("ClusterRole").some((g: string) =>
          g.startsWith(`${p.apiGroup}/`),
        ),
      ).toBe(false);
    }
    const plain = await template();
    expect(plain.some((o) => o.metadata?.name?.endsWith("-dashboard"))).toBe(
      false,
    );
    expect(
      [...granted("ClusterRole"), ...granted("Role")].some((g: string) =>
        g.includes("*"),
      ),
    ).toBe(false);
    for (const p of permissions) {
      for (const use of p.usedBy) {
        const [file, call] = use.split(/: (.+)/) as [string, string];
        expect(
          readFileSync(join(repoRoot, file), "utf8"),
          `${use} (for ${p.resources.join(",")})`,
        ).toContain(call);
      }
    }
  });
});

describe("installed chart, operator as its ServiceAccount", () => {
  let release = "";
  let releaseNs: Awaited<ReturnType<typeof createTestNamespace>>;
  let s: Scenario;
  const slack = new SlackReceiver();

  beforeAll(async () => {
    releaseNs = await createTestNamespace("siskin-system");
    release = `siskin-${releaseNs.name.slice(-8)}`;
    await run(helm, [
      "install",
      release,
      chart,
      "--namespace",
      releaseNs.name,
      "--kubeconfig",
      clusterState().kubeconfig,
      "--skip-crds", // the test cluster has them; a fresh one gets them from the chart's crds/
      "--set",
      "meshProvider=gloo",
      "--set",
      "leaderElection.enabled=true",
    ]);
    // A token of the chart's ServiceAccount, as its pod would have it.
    const kubeconfig = await serviceAccountKubeconfig(releaseNs.name, release);
    await slack.start();
    s = await startScenario("chart-rbac", "http://127.0.0.1:9", {
      kubeconfig,
      slackUrl: slack.url,
      extraArgs: [
        "--enable-leader-election=true",
        `--leader-election-namespace=${releaseNs.name}`,
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await s?.dispose();
    await slack.stop();
    await run(helm, [
      "uninstall",
      release,
      "--namespace",
      releaseNs.name,
      "--kubeconfig",
      clusterState().kubeconfig,
    ]).catch(() => undefined);
    await releaseNs?.dispose();
  });

  it("helm install created the ServiceAccount, ClusterRole and Deployment", async () => {
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const role = await rbac.readClusterRole({ name: release });
    expect(role.rules?.length).toBe(
      permissions.filter(
        (p) => !p.namespaced && !p.dashboard && !p.namesFromValue,
      ).length,
    );
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.readNamespacedServiceAccount({
      name: release,
      namespace: releaseNs.name,
    });
    await s.api.apps.readNamespacedDeployment({
      name: release,
      namespace: releaseNs.name,
    });
  });

  it("S1 and S2 complete with only the chart's RBAC", async () => {
    await initializePodinfo(
      s,
      podinfoCanary(s.ns, {
        interval: "1s",
        stepWeight: 20,
        maxWeight: 40,
        metrics: [],
      }),
      true,
    );
    // S1: everything initialization creates, read back from the API server.
    await s.api.routedTo([100, 0]);
    expect(await s.api.replicas("podinfo")).toBe(0);
    await kubeConfig()
      .makeApiClient(AutoscalingV2Api)
      .readNamespacedHorizontalPodAutoscaler({
        name: "podinfo-primary",
        namespace: s.ns,
      });
    for (const name of ["podinfo", "podinfo-primary", "podinfo-canary"])
      await s.api.core.readNamespacedService({ name, namespace: s.ns });
    // S2: the release steps through the weights, promotes, and says so.
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    const weights = new WeightRecorder();
    await weights.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Succeeded");
    weights.stop();
    expect(weights.seen).toEqual([0, 20, 40, 0]);
    expect(await s.api.replicas("podinfo")).toBe(0);
    await slack.textContaining("Promotion completed");
    expect(slack.payloads.map((p) => p.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Initialization done"),
        expect.stringContaining("New revision detected"),
        expect.stringContaining("Promotion completed"),
      ]),
    );
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual(promotedRun);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect(s.operator.logTail(2000)).not.toMatch(/forbidden/i);
  });
});
