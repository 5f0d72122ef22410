// npm run bench:fleet -- [--canaries 300] [--unrelated 4000] [--check] [--json out.json]
//                        [--operator-arg=--kubeconfig-qps=200 ...] (extra operator flags, repeatable)
//                        [--bare] (start `node dist/src/main.js` with no flags, as the `siskin` bin does)
//                        [--skip-audit] (no audit log: no write breakdown, no step split)
// A fleet on the local cluster and the operator as a process (the compiled dist/, as the image runs it):
//   1. N Deployments + Canaries (interval 10s): time until all are Initialized
//   2. 2 minutes idle: operator CPU and RSS, API requests by verb and resource
//   3. with --unrelated B: B unrelated 8 KiB ConfigMaps/Secrets, 2 more minutes idle: RSS growth
//   4. detection: 20 `set image` spread over one interval -> Progressing (p50/p99)
//   5. busy: N/3 canaries released at once, metrics answering in 200 ms: step lateness, time to Succeeded,
//      and each step split from the audit log into operator, metrics server and API server time
//   6. baseline: the operator stopped, 2 minutes: the API server's requests without it (subtracted)
// Prints a table and JSON; --check exits 1 when a target is missed.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, startCluster } from "../../dev/cluster/cluster.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import type { V1Deployment } from "@kubernetes/client-node";
import { KubeApi } from "../../src/kube/api.ts";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import {
  canary,
  createAll,
  deployment,
  fleetIntervalMs,
  fleetMembers,
  unrelatedObjects,
  type FleetMember,
} from "../../dev/fleet.ts";
import {
  apiserverRequests,
  cpuPercent,
  difference,
  perMinute,
  sampleProcess,
  subtract,
  workloadChurn,
} from "./measure.ts";
import { MetricsServerProcess } from "./metrics-server.ts";
import { writeAudit, writesBetween } from "./audit.ts";
import { measureBusy } from "./busy-phase.ts";
import { FleetObserver } from "./observe.ts";
import { detection } from "./phases.ts";
import { checkTargets, printReport, type FleetReport } from "./report.ts";

const { values: args } = parseArgs({
  options: {
    canaries: { type: "string", default: "300" },
    unrelated: { type: "string", default: "0" },
    "idle-seconds": { type: "string", default: "120" },
    busy: { type: "string" },
    "metrics-delay-ms": { type: "string", default: "200" },
    operator: { type: "string" },
    check: { type: "boolean", default: false },
    json: { type: "string" },
    "skip-busy": { type: "boolean", default: false },
    "skip-audit": { type: "boolean", default: false },
    bare: { type: "boolean", default: false },
    "operator-arg": { type: "string", multiple: true, default: [] },
  },
});
const n = Number(args.canaries);
const unrelated = Number(args.unrelated);
const idleSeconds = Number(args["idle-seconds"]);
const busyCount = Number(args.busy ?? Math.floor(n / 3));
const say = (line: string) => void process.stdout.write(`${line}\n`);
const waitFor = async (
  what: string,
  check: () => boolean,
  timeoutMs: number,
  refresh: () => Promise<void> = async () => {},
) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh();
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
let converged = false;

/** Every target at 0 replicas and every primary fully available (read from the API server). */
async function workloadsConverged(
  api: KubeApi,
  namespaces: string[],
): Promise<boolean> {
  await pause(2000);
  for (const namespace of namespaces) {
    const list = await api.list<V1Deployment>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace,
    });
    for (const d of list.items) {
      const status = d.status ?? {};
      const want = d.spec?.replicas ?? 0;
      if (
        (status.replicas ?? 0) !== want ||
        (status.availableReplicas ?? 0) !== want
      )
        return false;
    }
  }
  return true;
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function idleWindow(client: KubeClient, pid: number | undefined) {
  const before = await apiserverRequests(client);
  const first = pid ? sampleProcess(pid) : undefined;
  const from = Date.now();
  const rss: number[] = [];
  const started = Date.now();
  while (Date.now() - started < idleSeconds * 1000) {
    await pause(10_000);
    if (pid) rss.push(Math.round(sampleProcess(pid).rssMiB));
  }
  const last = pid ? sampleProcess(pid) : undefined;
  const after = await apiserverRequests(client);
  const seconds = (Date.now() - started) / 1000;
  return {
    from,
    to: Date.now(),
    requests: perMinute(difference(before, after), seconds),
    cpuPercent: first && last ? cpuPercent(first, last) : Number.NaN,
    rssMiB: rss,
  };
}

async function main(): Promise<number> {
  const entry = args.operator ?? join(repoRoot, "dist/src/main.js");
  if (!existsSync(entry))
    throw new Error(
      `${entry} not found: run npm run build first (or pass --operator)`,
    );
  say(
    `fleet: ${n} canaries, ${unrelated} unrelated objects, operator ${entry}`,
  );
  const audit = args["skip-audit"] ? undefined : writeAudit();
  const cluster = await startCluster({
    log: (m) => say(`  cluster: ${m}`),
    ...(audit ? { apiserverArgs: audit.apiserverArgs } : {}),
  });
  const metrics = new MetricsServerProcess();
  await metrics.start(Number(args["metrics-delay-ms"]));
  const client = new KubeClient(
    loadClusterAccess({ kubeconfig: cluster.state.kubeconfig }),
    { userAgent: "siskin-bench" },
  );
  const api = new KubeApi(client);
  const observer = new FleetObserver(client);
  const operator = new OperatorProcess({
    kubeconfig: cluster.state.kubeconfig,
    namespace: undefined,
    metricsServer: metrics.url,
    entry,
    minAnalysisInterval: "10s",
    logLevel: "info",
    extraArgs: args["operator-arg"],
    bare: args.bare,
  });
  const report: Partial<FleetReport> = { canaries: n, unrelated };
  try {
    const members = fleetMembers(n);
    const namespaces = [...new Set(members.map((m) => m.namespace))];
    await createAll(
      api,
      namespaces.map((name) => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name },
      })),
    );
    say(`creating ${n} Deployments`);
    await createAll(api, members.map(deployment));
    await observer.start();
    operator.start();
    say(`operator started (pid ${operator.pid}); creating ${n} Canaries`);
    const t0 = Date.now();
    const initCpu = operator.pid ? sampleProcess(operator.pid) : undefined;
    await createAll(
      api,
      members.map((m) => canary(m, metrics.url)),
    );
    const keys = members.map((m) => `${m.namespace}/${m.name}`);
    await waitFor(
      "all canaries Initialized",
      () => observer.countInPhase("Initialized", keys) === n,
      Math.max(900_000, n * 500),
    );
    report.initializedSeconds = (Date.now() - t0) / 1000;
    if (initCpu && operator.pid)
      report.initializingCpuPercent = cpuPercent(
        initCpu,
        sampleProcess(operator.pid),
      );
    say(`all ${n} Initialized in ${report.initializedSeconds.toFixed(1)} s`);

    // Idle means nothing left to do: the controllers have scaled every target down and every primary
    // is available (the scale-downs the initialization asked for can still be queued behind it).
    const settled = Date.now();
    await waitFor(
      "the workloads to settle",
      () => converged,
      Math.max(600_000, n * 300),
      async () => {
        converged = await workloadsConverged(api, namespaces);
      },
    );
    say(
      `workloads settled ${((Date.now() - settled) / 1000).toFixed(1)} s after the last Initialized`,
    );
    await pause(5000);
    say(`idle ${idleSeconds} s`);
    const idle = await idleWindow(client, operator.pid);
    report.idleBeforeUnrelated = {
      cpuPercent: idle.cpuPercent,
      rssMiB: idle.rssMiB,
    };
    let idleMeasured = idle;
    if (unrelated > 0) {
      say(`creating ${unrelated} unrelated ConfigMaps/Secrets (8 KiB each)`);
      await createAll(api, unrelatedObjects(unrelated, namespaces));
      await pause(15_000);
      say(`idle ${idleSeconds} s with them`);
      idleMeasured = await idleWindow(client, operator.pid);
    }
    report.idle = {
      cpuPercent: idleMeasured.cpuPercent,
      rssMiB: idleMeasured.rssMiB,
    };
    if (audit)
      report.idleWrites = writesBetween(
        audit,
        idleMeasured.from,
        idleMeasured.to,
      );
    report.unrelatedRssGrowthMiB =
      unrelated > 0
        ? (idleMeasured.rssMiB.at(-1) ?? 0) - (idle.rssMiB.at(-1) ?? 0)
        : 0;

    say("detection: 20 releases spread over one interval");
    report.detection = await detection(
      api,
      observer,
      members.slice(0, 20),
      fleetIntervalMs,
    );
    await waitFor(
      "the 20 released canaries to finish",
      () =>
        members
          .slice(0, 20)
          .every((m) =>
            ["Succeeded", "Failed"].includes(
              observer.phaseOf(`${m.namespace}/${m.name}`) ?? "",
            ),
          ),
      600_000,
    );

    if (!args["skip-busy"] && busyCount > 0) {
      const busy: FleetMember[] = members.slice(20, 20 + busyCount);
      say(
        `busy: ${busy.length} canaries released at once, metrics answer in ${args["metrics-delay-ms"]} ms`,
      );
      Object.assign(
        report,
        await measureBusy(
          {
            api,
            observer,
            metrics,
            audit,
            scrape: () => operator.scrape(),
            operatorPid: operator.pid,
            intervalMs: fleetIntervalMs,
            json: args.json,
          },
          busy,
        ),
      );
    }

    await operator.stop();
    say(`baseline: ${idleSeconds} s without the operator`);
    await pause(5000);
    const baseline = await idleWindow(client, undefined);
    report.idleRequestsPerMinute = Object.fromEntries(
      subtract(idleMeasured.requests, baseline.requests),
    );
    report.idleChurnPerMinute = workloadChurn(idleMeasured.requests);
    report.operatorLogTail = operator.logTail(5);
  } finally {
    await operator.stop();
    await observer.stop().catch(() => undefined);
    client.close();
    await metrics.stop();
    await cluster.stop({ removeDir: true });
  }
  const full = report as FleetReport;
  printReport(full, say);
  if (args.json) writeFileSync(args.json, JSON.stringify(full, null, 2));
  const misses = checkTargets(full);
  for (const miss of misses) say(`target missed: ${miss}`);
  return args.check && misses.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`bench:fleet failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
