// The chart installed the way the seed installs Flagger: the same two `helm upgrade -i flagger ...` lines,
// only the chart reference differs. The Prometheus add-on is applied to the local cluster and read back,
// its scrape configuration passes a real promtool check, Flagger's value names map to operator flags, and
// the values schema refuses a misspelled key and Flagger values that mean nothing here, saying why.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { parseLoadTesterFlags } from "../../loadtester/src/flags.ts";
import {
  clusterState,
  createTestNamespace,
  kubeConfig,
} from "../support/cluster.ts";

const run = promisify(execFile);
const chart = join(repoRoot, "charts/siskin");
// The seed's lines, with `flagger/flagger` replaced by the chart.
const seedInstall = [
  "--set",
  "prometheus.install=true",
  "--set",
  "meshProvider=gloo",
];
const seedSlack = [
  "--set",
  "slack.url=https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK",
  "--set",
  "slack.channel=general",
  "--set",
  "slack.user=flagger",
  "--set",
  "clusterName=my-cluster",
];
let helm = "";
let promtool = "";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are read field by field */
type K8sObject = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: any };
  spec?: any;
  data?: Record<string, string>;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

async function template(...args: string[]): Promise<K8sObject[]> {
  const { stdout } = await run(helm, [
    "template",
    "flagger",
    chart,
    "--namespace",
    "gloo-system",
    ...args,
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

const operatorOf = (objects: K8sObject[]) =>
  objects.find(
    (o) => o.kind === "Deployment" && !o.metadata.name.endsWith("prometheus"),
  );
const argsOf = (objects: K8sObject[]): string[] =>
  operatorOf(objects)?.spec.template.spec.containers[0].args;

/** helm's exit and stderr for a command expected to fail. */
async function refusal(args: string[]): Promise<string> {
  const failed = await run(helm, args).then(
    () => undefined,
    (error: { stderr: string }) => error.stderr,
  );
  expect(failed, `helm ${args.join(" ")} should fail`).toBeDefined();
  return failed ?? "";
}

beforeAll(async () => {
  const tool = (script: string) =>
    run("bash", [join(repoRoot, script)], { timeout: 900_000 }).then((r) =>
      r.stdout.trim(),
    );
  [helm, promtool] = await Promise.all([
    tool("scripts/helm.sh"),
    tool("scripts/promtool.sh"),
  ]);
}, 900_000);

describe("chart values, as the seed sets them", () => {
  it("prometheus.install=true renders a Prometheus and points the operator at its Service", async () => {
    const objects = await template(...seedInstall);
    const addOn = objects.filter((o) =>
      o.metadata.name.endsWith("-prometheus"),
    );
    expect(addOn.map((o) => o.kind).sort()).toEqual(
      [
        "ConfigMap",
        "Deployment",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
      ].sort(),
    );
    const service = addOn.find((o) => o.kind === "Service");
    expect(argsOf(objects)).toContain(
      `--metrics-server=http://${service?.metadata.name}.gloo-system:9090`,
    );
    expect(argsOf(objects)).toContain("--mesh-provider=gloo");
    // Without the add-on the operator keeps metricsServer.
    expect(argsOf(await template("--set", "meshProvider=gloo"))).toContain(
      "--metrics-server=http://prometheus:9090",
    );
  });

  it("the seed's Slack line renders its flags", async () => {
    const args = argsOf(await template(...seedSlack));
    expect(args).toEqual(
      expect.arrayContaining([
        "--slack-url=$(SLACK_URL)",
        "--slack-channel=general",
        "--slack-user=flagger",
        "--cluster-name=my-cluster",
      ]),
    );
  });

  it("loadtester.limits render as flags the load tester accepts", async () => {
    const objects = await template(
      "--set",
      "loadtester.enabled=true",
      "--set",
      "loadtester.limits.maxTasks=4",
      "--set",
      "loadtester.limits.maxTasksPerNamespace=2",
      "--set",
      "loadtester.limits.maxDuration=10m",
      "--set",
      "loadtester.limits.taskTimeout=30m",
      "--set",
      "loadtester.limits.maxOpenGates=50",
    );
    const tester = objects.find(
      (o) =>
        o.kind === "Deployment" && o.metadata.name === "flagger-loadtester",
    );
    const args: string[] = tester?.spec.template.spec.containers[0].args;
    const parsed = parseLoadTesterFlags(args);
    expect(parsed.ok ? parsed.config.limits : parsed.problems).toMatchObject({
      maxTasks: 4,
      maxTasksPerNamespace: 2,
      maxDurationMs: 600_000,
      taskTimeoutMs: 1_800_000,
      maxOpenGates: 50,
      maxConcurrency: 500,
    });
    expect(
      await refusal([
        "template",
        "x",
        chart,
        "--set",
        "loadtester.limits.maxTask=4",
      ]),
    ).toContain("additional properties 'maxTask' not allowed");
  });

  it("maps Flagger's value names onto the objects and operator flags", async () => {
    const objects = await template(
      ...["--set", "fullnameOverride=delivery"],
      ...["--set", "podLabels.team=platform"],
      ...["--set", "deploymentLabels.tier=control"],
      ...["--set", "podPriorityClassName=system-cluster-critical"],
      ...["--set", "additionalVolumes[0].name=tmp"],
      ...["--set", "additionalVolumes[0].emptyDir.medium=Memory"],
      ...["--set", "additionalVolumeMounts[0].name=tmp"],
      ...["--set", "additionalVolumeMounts[0].mountPath=/tmp"],
      ...["--set", "msteams.url=https://teams.example/hook"],
      ...["--set", "noCrossNamespaceRefs=true"],
      ...["--set", "kubeconfigQPS=40"],
      ...["--set", "kubeconfigBurst=80"],
      ...["--set", "crd.create=true"],
    );
    const operator = operatorOf(objects);
    expect(operator?.metadata.name).toBe("delivery");
    expect(operator?.metadata.labels.tier).toBe("control");
    const pod = operator?.spec.template;
    expect(pod.metadata.labels.team).toBe("platform");
    expect(pod.spec.priorityClassName).toBe("system-cluster-critical");
    expect(pod.spec.volumes).toContainEqual({
      name: "tmp",
      emptyDir: { medium: "Memory" },
    });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({
      name: "tmp",
      mountPath: "/tmp",
    });
    expect(argsOf(objects)).toEqual(
      expect.arrayContaining([
        "--msteams-url=https://teams.example/hook",
        "--no-cross-namespace-refs=true",
        "--kubeconfig-qps=40",
        "--kubeconfig-burst=80",
      ]),
    );
    expect(
      objects
        .filter((o) => o.kind === "CustomResourceDefinition")
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([
      "alertproviders.flagger.app",
      "canaries.flagger.app",
      "metrictemplates.flagger.app",
    ]);
    // nameOverride renames the objects too.
    expect(
      operatorOf(await template("--set", "nameOverride=relay"))?.metadata.name,
    ).toBe("flagger-relay");
  });

  it("refuses a misspelled key and Flagger values that mean nothing here, naming them", async () => {
    const base = ["template", "flagger", chart, "--namespace", "gloo-system"];
    expect(
      await refusal([...base, "--set", "promethues.install=true"]),
    ).toMatch(/additional properties 'promethues' not allowed/);
    expect(await refusal([...base, "--set", "prometheus.instal=true"])).toMatch(
      /prometheus.*'instal'/,
    );
    expect(
      await refusal([...base, "--set", "linkerdAuthPolicy.create=true"]),
    ).toMatch(
      /linkerdAuthPolicy.create makes the Linkerd viz AuthorizationPolicy of Flagger/,
    );
    expect(await refusal([...base, "--set", "ingressClass=contour"])).toMatch(
      /ingressClass.*does not manage Contour/,
    );
    expect(await refusal([...base, "--set", "meshProvider=istio"])).toMatch(
      /meshProvider/,
    );
    // A Flagger values file with its null and {} defaults is accepted.
    const dir = mkdtempSync(join(tmpdir(), "siskin-values-"));
    const flaggerShaped = join(dir, "values.yaml");
    writeFileSync(
      flaggerShaped,
      "slack:\n  channel:\n  url:\n  proxy:\nimage:\n  pullSecret:\nadditionalVolumes: {}\npodMonitor:\n  namespace:\n",
    );
    await run(helm, [...base, "-f", flaggerShaped]);
  });
});

describe("chart installed with the seed's line, Prometheus add-on read back", () => {
  let ns: Awaited<ReturnType<typeof createTestNamespace>>;

  beforeAll(async () => {
    ns = await createTestNamespace("gloo-system");
    await run(helm, [
      "upgrade",
      "-i",
      "flagger",
      chart,
      "--namespace",
      ns.name,
      "--kubeconfig",
      clusterState().kubeconfig,
      "--skip-crds", // the test cluster has them
      ...seedInstall,
    ]);
  }, 120_000);

  afterAll(async () => {
    await run(helm, [
      "uninstall",
      "flagger",
      "--namespace",
      ns.name,
      "--kubeconfig",
      clusterState().kubeconfig,
    ]).catch(() => undefined);
    await ns?.dispose();
  });

  it("creates the Prometheus objects, and the operator's argument names its Service", async () => {
    const apps = kubeConfig().makeApiClient(AppsV1Api);
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const name = "flagger-siskin-prometheus";
    const prometheus = await apps.readNamespacedDeployment({
      name,
      namespace: ns.name,
    });
    expect(prometheus.spec?.template.spec?.serviceAccountName).toBe(name);
    expect(prometheus.spec?.template.spec?.containers[0]?.image).toMatch(
      /^docker\.io\/prom\/prometheus:v\d+\.\d+\.\d+$/,
    );
    const service = await core.readNamespacedService({
      name,
      namespace: ns.name,
    });
    expect(service.spec?.ports?.[0]?.port).toBe(9090);
    const role = await rbac.readNamespacedRole({ name, namespace: ns.name });
    // Least privilege: read pods in the scraped namespace, nothing else.
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    ]);
    const operator = await apps.readNamespacedDeployment({
      name: "flagger-siskin",
      namespace: ns.name,
    });
    expect(operator.spec?.template.spec?.containers[0]?.args).toContain(
      `--metrics-server=http://${name}.${ns.name}:9090`,
    );

    // The scrape configuration as stored, checked by a real promtool.
    const config = await core.readNamespacedConfigMap({
      name,
      namespace: ns.name,
    });
    const file = join(
      mkdtempSync(join(tmpdir(), "siskin-prom-")),
      "prometheus.yml",
    );
    writeFileSync(file, config.data?.["prometheus.yml"] ?? "");
    const checked = await run(promtool, ["check", "config", file]);
    expect(checked.stdout).toMatch(/SUCCESS/);
    expect(config.data?.["prometheus.yml"]).toContain("gateway-proxy");
    // A typo in that configuration would fail the same check.
    writeFileSync(
      file,
      (config.data?.["prometheus.yml"] ?? "").replace(
        "relabel_configs",
        "relabel_config",
      ),
    );
    await expect(run(promtool, ["check", "config", file])).rejects.toThrow();
  });
});
