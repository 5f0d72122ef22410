#!/usr/bin/env node
// npm run demo: the Gloo canary story of Flagger's tutorial on this machine, all on 127.0.0.1. A local cluster, a
// gateway and workload simulator standing in for Gloo and the pods, Prometheus scraping the gateway, the
// load tester, a Slack-compatible receiver and the operator; then two releases: 6.0.1 (healthy, promoted)
// and 6.0.2 (faulty, rolled back). Exits 0 only when both outcomes happened. --keep leaves it running.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  repoRoot,
  startCluster,
  type LocalCluster,
} from "../dev/cluster/cluster.ts";
import { LoadTesterProcess } from "../dev/services/loadtester.ts";
import { OperatorProcess } from "../dev/services/operator.ts";
import { LocalPrometheus } from "../dev/services/prometheus.ts";
import { SlackReceiver } from "../dev/services/slack-receiver.ts";
import { GatewaySimulator } from "../dev/sim/gateway.ts";
import type { Canary } from "../src/api/canary.ts";
import { exportRun } from "../src/cli/replay-command.ts";
import { dashboardToken } from "./dashboard-access.ts";
import { loadExamples, type GatewayMode } from "./manifests.ts";
import { GatewayApiSimulator } from "../dev/sim/gateway-api.ts";
import { Observer } from "./observer.ts";
import { summarize, type DemoReport } from "./report.ts";
import { WorkloadSimulator } from "../dev/sim/workloads.ts";

const { values: args } = parseArgs({
  options: {
    keep: { type: "boolean", default: false },
    report: { type: "string" },
    "state-file": { type: "string" },
    interval: { type: "string", default: "5s" },
    gateway: { type: "string", default: "gloo" },
    // --no-bake: only the first two releases (no analysis.bake, no third release).
    bake: { type: "boolean", default: true },
  },
  allowNegative: true,
});
const modes = ["gloo", "gatewayapi", "both"] as const;
if (!(modes as readonly string[]).includes(args.gateway)) {
  process.stderr.write(
    `--gateway ${args.gateway}: use gloo (the default, as in the walkthrough), gatewayapi (kgateway) or both (a cut-over)\n`,
  );
  process.exit(2);
}
const mode = args.gateway as GatewayMode;
const namespace = "apps";
const image = (version: string) => `ghcr.io/stefanprodan/podinfo:${version}`;
const say = (line: string) => void process.stdout.write(`${line}\n`);
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;

/** Stops everything this run started, newest first; safe to call twice (Ctrl-C during shutdown). */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const stop of cleanups.reverse()) await stop().catch(() => undefined);
  })();
  return cleaning;
}
process.once("uncaughtException", (error) => {
  say(`demo failed: ${error.message}`);
  void cleanup().then(() => process.exit(1));
});
process.once("SIGINT", () => {
  say("\ninterrupted: stopping everything");
  void cleanup().then(() => process.exit(130));
});

async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  say(
    "siskin demo: starting a local cluster (Kubernetes binaries are built once and cached)",
  );
  const cluster: LocalCluster = await startCluster({
    log: (m) => say(`  cluster: ${m}`),
  });
  cleanups.push(() => cluster.stop({ removeDir: true }));
  const kc = cluster.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });

  // Every version answers in 30 ms; 6.0.2 fails 40 % of requests and answers in 700 ms; 6.0.3 fails
  // 30 % once it serves 90 % of the requests or more.
  const steady = { errorRate: 0, latencyMs: 30 };
  const workloads = new WorkloadSimulator(kc, namespace, {
    "6.0.0": steady,
    "6.0.1": steady,
    "6.0.2": { errorRate: 0.4, latencyMs: 700 }, // the faulty release
    // Passes its analysis (it never takes more than half the traffic there), degrades once it takes all.
    "6.0.3": { ...steady, atFullTraffic: { share: 0.9, errorRate: 0.3 } },
  });
  await workloads.start();
  cleanups.push(() => workloads.stop());
  // Gloo's gateway-proxy stand-in, kgateway's (routing by the HTTPRoute), or both side by side.
  const gloo =
    mode === "gatewayapi"
      ? undefined
      : new GatewaySimulator(kc, namespace, workloads);
  const kgateway =
    mode === "gloo"
      ? undefined
      : new GatewayApiSimulator(kc, namespace, workloads, "kgateway");
  const gateways = [gloo, kgateway].filter((g) => g !== undefined);
  for (const g of gateways) {
    await g.start();
    cleanups.push(() => g.stop());
  }
  const gateway = {
    url: (gloo ?? kgateway)?.url ?? "",
    totals: () => Object.assign({}, ...gateways.map((g) => g.totals())),
  };
  const prometheus = new LocalPrometheus();
  await prometheus.start(gateways.map((g) => new URL(g.metricsUrl).host));
  cleanups.push(() => prometheus.stop());
  const slack = new SlackReceiver();
  await slack.start();
  cleanups.push(() => slack.stop());
  const loadtester = await new LoadTesterProcess([
    `--namespace-regexp=${namespace}`,
  ]).start();
  cleanups.push(() => loadtester.stop());
  const canaryService = await workloads.exposeService(
    "podinfo-canary",
    namespace,
  );
  const operator = new OperatorProcess({
    kubeconfig: cluster.state.kubeconfig,
    namespace,
    metricsServer: prometheus.url,
    slackUrl: slack.url,
    extraArgs: [
      "--cluster-name=siskin-demo",
      "--log-level=info",
      "--dashboard-port=0",
    ],
  });
  operator.start();
  cleanups.push(() => operator.stop());
  const dashboard = await operator.dashboardUrl();
  const token = await dashboardToken(kc, namespace);
  say(
    `  ${gloo ? `Gloo gateway ${gloo.url}, ` : ""}${kgateway ? `kgateway (Gateway API) ${kgateway.url}, ` : ""}Prometheus ${prometheus.url}, load tester ${loadtester.url}`,
  );
  say(
    `  dashboard ${dashboard} (watch the releases live; the token to log in is printed with --keep)`,
  );
  if (args["state-file"]) {
    const pids = [
      ...cluster.state.components.map((c) => c.pid),
      prometheus.pid,
      loadtester.pid,
      operator.pid,
    ];
    const urls = [
      ...gateways.flatMap((g) => [g.url, g.metricsUrl]),
      prometheus.url,
      slack.url,
      loadtester.url,
      canaryService,
      cluster.state.server,
      dashboard,
    ];
    writeFileSync(
      args["state-file"],
      JSON.stringify({ pids, ports: urls.map((u) => Number(new URL(u).port)) }),
    );
  }

  let printed = 0;
  const printSlack = setInterval(() => {
    for (const p of slack.payloads.slice(printed))
      say(`  slack #general: ${p.text}`);
    printed = slack.payloads.length;
  }, 200);
  cleanups.push(async () => clearInterval(printSlack));

  const metricInterval = "10s";
  const bakeDuration = "2m";
  const objects = loadExamples(
    repoRoot,
    {
      loadtester: loadtester.url,
      canaryService,
      ...(gloo ? { gateway: gloo.url } : {}),
      ...(kgateway ? { gatewayApi: kgateway.url } : {}),
    },
    {
      interval: args.interval,
      metricInterval,
      ...(args.bake ? { bake: bakeDuration } : {}),
    },
    mode,
  );
  const apply = KubernetesObjectApi.makeApiClient(kc);
  await core
    .createNamespace({ body: { metadata: { name: "kgateway-system" } } })
    .catch(() => undefined);
  for (const object of objects) await apply.create(object);
  say(
    {
      gloo: `applied examples/podinfo (Deployment podinfo 6.0.0 + HPA, VirtualService, Canary; interval ${args.interval})`,
      gatewayapi: `applied examples/podinfo's Deployment and examples/gateway-api (Gateway, Canary on gatewayapi:v1; interval ${args.interval})`,
      both: `applied examples/podinfo (Deployment, VirtualService) and examples/gateway-api (Gateway, Canary with routers [gloo, gatewayapi:v1], half of the load through each gateway; interval ${args.interval})`,
    }[mode],
  );

  // The Envoy clusters of each side, as each gateway names them (src/metrics/builtin.ts).
  const clusters = (role: string) => [
    ...(gloo ? [`${namespace}-podinfo-${role}upstream-9898_${namespace}`] : []),
    ...(kgateway ? [`kube_${namespace}_podinfo-${role}_9898`] : []),
  ];
  const observer = new Observer({
    kubeconfig: cluster.state.kubeconfig,
    namespace,
    gateway,
    prometheus: prometheus.url,
    canaryClusters: clusters("canary"),
    primaryClusters: clusters("primary"),
    routes: [
      ...(gloo ? (["RouteTable"] as const) : []),
      ...(kgateway ? (["HTTPRoute"] as const) : []),
    ],
    metricWindowMs: 10_000,
    print: say,
  });
  await observer.start();
  cleanups.push(async () => observer.stop());
  await waitFor("Initialized", () => observer.phase === "Initialized", 90_000);

  const apps = kc.makeApiClient(AppsV1Api);
  const readCanary = async () =>
    (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace,
      plural: "canaries",
      name: "podinfo",
    })) as Canary;
  const release = async (version: string, outcome: "Succeeded" | "Failed") => {
    observer.begin(version);
    say(
      `\n$ kubectl -n ${namespace} set image deployment/podinfo podinfod=${image(version)}`,
    );
    const t0 = Date.now();
    await apps.patchNamespacedDeployment(
      {
        name: "podinfo",
        namespace,
        body: [
          {
            op: "replace",
            path: "/spec/template/spec/containers/0/image",
            value: image(version),
          },
        ],
      },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    await waitFor(
      "the run to start",
      () => observer.phase === "Progressing",
      60_000,
    );
    await waitFor(
      `${version} to end`,
      () => observer.phase === "Succeeded" || observer.phase === "Failed",
      240_000,
    );
    // The Canary's status and its RouteTable arrive on two watches, in either order.
    await waitFor(
      "the routes back on the primary",
      () => observer.routedWeight === 0,
      30_000,
    );
    const result = {
      version,
      phase: observer.phase ?? "",
      seconds: (Date.now() - t0) / 1000,
      message: observer.message,
      failedChecks: (await readCanary()).status?.failedChecks ?? 0,
    };
    say(
      `${version}: ${result.phase} after ${result.seconds.toFixed(0)}s, ${result.failedChecks} failed checks${outcome !== result.phase ? ` (expected ${outcome})` : ""}`,
    );
    if (result.phase === "Failed") say(`  reason: ${result.message}`);
    return result;
  };
  /**
   * 6.0.3 passed its analysis and was promoted; the bake judges it now that it takes all the traffic.
   * Waits for the revert and for the primary back on 6.0.1, and prints the timeline.
   */
  const bakeRevert = async (promoted: Awaited<ReturnType<typeof release>>) => {
    const t0 = Date.now() - promoted.seconds * 1000;
    const at = () => `+${((Date.now() - t0) / 1000).toFixed(0)}s`;
    say(
      `  ${at()} 6.0.3 promoted; analysis.bake judges the primary every ${args.interval} for ${bakeDuration}`,
    );
    await waitFor(
      "the bake to revert 6.0.3",
      () => observer.phase === "Failed",
      150_000,
    );
    const status = (await readCanary()).status ?? {};
    const run = status.history?.runs.at(-1);
    const bakeSteps =
      run?.bakeFrom !== undefined ? run.t.length - run.bakeFrom : 0;
    const rate = run?.metrics.find((m) => m.name === "request-success-rate");
    const values = (rate?.v ?? []).slice(run?.bakeFrom ?? 0);
    say(
      `  ${at()} reverted after ${bakeSteps} bake checks of the primary (success rate ${values.map((v) => (v === null ? "-" : `${v}%`)).join(", ")}): ${status.reverted?.reason ?? ""}`,
    );
    await waitFor(
      "the primary back at 6.0.1",
      () =>
        workloads.versionOfService("podinfo-primary", namespace) === "6.0.1",
      60_000,
    );
    say(
      `  ${at()} podinfo-primary runs 6.0.1 again; podinfo (the target) still says 6.0.3: revert the commit`,
    );
    const result = {
      version: "6.0.3",
      phase: status.reverted ? "Reverted" : (status.phase ?? ""),
      seconds: (Date.now() - t0) / 1000,
      message: status.message ?? "",
      failedChecks: status.failedChecks ?? 0,
    };
    say(
      `6.0.3: promoted, then ${result.phase} after ${result.seconds.toFixed(0)}s`,
    );
    return result;
  };
  const first = await release("6.0.1", "Succeeded");
  const second = await release("6.0.2", "Failed");
  // The runs as recorded in status.history (the last two are kept), for kubectl siskin replay.
  const recordedRuns = mkdtempSync(join(tmpdir(), "siskin-demo-runs-"));
  const exportTo = async (
    runs: (readonly [string, "previous" | "current"])[],
  ) => {
    const canary = await readCanary();
    for (const [version, which] of runs)
      writeFileSync(
        join(recordedRuns, `${version}.json`),
        JSON.stringify(exportRun(canary, which), null, 2),
      );
  };
  await exportTo([
    ["6.0.1", "previous"],
    ["6.0.2", "current"],
  ]);
  const third = args.bake
    ? await bakeRevert(await release("6.0.3", "Succeeded"))
    : undefined;
  if (third) await exportTo([["6.0.3", "current"]]);
  observer.stop();
  say(
    `\nrecorded runs (kubectl siskin export): ${recordedRuns}/6.0.1.json, 6.0.2.json${third ? ", 6.0.3.json" : ""}; replay one with\n  kubectl siskin replay ${recordedRuns}/6.0.2.json --set analysis.metrics[1].maxDegradation=100${third ? `\n  kubectl siskin replay ${recordedRuns}/6.0.3.json --set analysis.threshold=10` : ""}`,
  );
  // Stop the generated traffic, then let Prometheus scrape the last counts, so both can be compared.
  await loadtester.stop();
  await new Promise((r) => setTimeout(r, 2500));

  const report: DemoReport = await summarize({
    releases: [first, second, ...(third ? [third] : [])],
    observer,
    gateway,
    prometheus: prometheus.url,
    slack: slack.payloads.map((p) => p.text),
    seconds: (Date.now() - started) / 1000,
  });
  for (const line of report.lines) say(line);
  report.recordedRuns = {
    "6.0.1": join(recordedRuns, "6.0.1.json"),
    "6.0.2": join(recordedRuns, "6.0.2.json"),
    ...(third ? { "6.0.3": join(recordedRuns, "6.0.3.json") } : {}),
  };
  if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2));
  const ok =
    first.phase === "Succeeded" &&
    second.phase === "Failed" &&
    (!args.bake || third?.phase === "Reverted");

  if (args.keep) {
    await loadtester.start(); // same address, for the Canary's webhooks
    say(`\nEverything is still running. In another terminal:
  export KUBECONFIG=${cluster.state.kubeconfig}
  ${cluster.state.binDir}/kubectl get canaries -A -w
  ${cluster.state.binDir}/kubectl -n ${namespace} set image deployment/podinfo podinfod=${image("6.0.3")}
  curl -H 'Host: podinfo.example.com' ${gateway.url}/   (${gloo ? "Gloo" : "kgateway"})
  dashboard: open ${dashboard} and log in with this token (a ServiceAccount that may list and patch canaries in ${namespace}):
    ${token}
  hey-style traffic: curl -X POST -d '{"name":"podinfo","namespace":"${namespace}","metadata":{"cmd":"hey -z 1m -q 5 -c 2 -host podinfo.example.com ${gateway.url}"}}' ${loadtester.url}/
Press Ctrl-C to stop and remove everything.`);
    await new Promise(() => undefined); // until SIGINT
  }
  return ok ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    say(`demo failed: ${(error as Error).message}`);
    await cleanup();
    process.exit(1);
  });
