// Leader election that stops in time, against the real API server:
// - a leader whose shared client rate limiter is saturated (--kubeconfig-qps=1 with a canary stepping
//   every second) still renews its lease: lease traffic has its own client and budget;
// - a leader whose API connections are blackholed (a proxy that stops forwarding) stops at its renew
//   deadline, before the standby can take over, and the audit log shows no write of the old leader
//   after the standby's first write, even once the network heals and whatever it had sent is released.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { auditedNamespace } from "../support/audited.ts";
import { readAuditLog } from "../../dev/cluster/audit.ts";
import { FreezableProxy } from "../../dev/sim/freezable-proxy.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { initializePodinfo } from "../support/scenario.ts";

const operators: OperatorProcess[] = [];
let proxy: FreezableProxy | undefined;
afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await proxy?.stop();
});

const leaseDurationMs = 4000;
const renewDeadlineMs = 3000;

function candidate(
  ns: string,
  kubeconfig: string,
  extraArgs: string[] = [],
): OperatorProcess {
  const operator = new OperatorProcess({
    kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
    extraArgs: [
      "--enable-leader-election=true",
      `--leader-election-namespace=${ns}`,
      "--leader-election-lease-duration=4s",
      "--leader-election-renew-deadline=3s",
      "--leader-election-retry-period=1s",
      ...extraArgs,
    ],
  });
  operators.push(operator);
  operator.start();
  return operator;
}

/**
 * The shared limiter saturated: one request a second once a burst of 20 (start-up and initialization)
 * is spent, with a canary asking for several a second.
 */
const saturated = ["--kubeconfig-qps=1", "--kubeconfig-burst=20"];
const log = (o: OperatorProcess) => o.logTail(100_000);
const identityOf = (o: OperatorProcess) =>
  /"identity":"([^"]+)","msg":"waiting for leadership"/.exec(log(o))?.[1];
const holder = async (ns: string) =>
  (
    await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: "siskin-leader", namespace: ns })
  ).spec?.holderIdentity;

/** A long run (49 steps, one a second) that keeps the leader's client busy throughout. */
async function startLongRun(ns: string, leader: OperatorProcess) {
  const api = new CanaryApi(kubeConfig(), ns);
  await initializePodinfo(
    {
      ns,
      api,
      operator: leader,
      waitForPhase: async (phase) =>
        void (await eventually(
          async () => (await api.status()).phase === phase,
          { what: `phase ${phase}`, timeoutMs: 60_000 },
        )),
      dispose: async () => undefined,
    },
    podinfoCanary(ns, {
      interval: "1s",
      stepWeight: 2,
      maxWeight: 98,
      metrics: [],
    }),
  );
  await api.setImage("podinfo", podinfoImage("6.0.1"));
  return api;
}

/** The test cluster's kubeconfig with its server replaced by the proxy in front of it. */
function kubeconfigThrough(url: string): string {
  const config = parse(readFileSync(clusterState().kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string } }[];
  };
  for (const c of config.clusters) c.cluster.server = `https://${url}`;
  const path = join(mkdtempSync(join(tmpdir(), "siskin-proxy-")), "kubeconfig");
  writeFileSync(path, stringify(config));
  return path;
}

describe("leader election stops in time", () => {
  it("a saturated shared limiter does not delay lease renewals", async () => {
    const namespace = await createTestNamespace("saturated");
    const ns = namespace.name;
    try {
      const leader = candidate(ns, clusterState().kubeconfig, saturated);
      await eventually(async () => /became leader/.test(log(leader)), {
        what: "a leader",
      });
      const standby = candidate(ns, clusterState().kubeconfig);
      await eventually(async () => identityOf(standby), { what: "a standby" });
      const api = await startLongRun(ns, leader);
      await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 2, {
        what: "the first step",
      });
      const leaderId = identityOf(leader);
      const waitedShared = () =>
        leader.metric("siskin_rest_client_rate_limiter_wait_seconds", {
          client: "shared",
        });
      await eventually(async () => (await waitedShared()) > 2, {
        what: "the shared limiter to be saturated",
      });
      // Three lease durations of a saturated leader: it keeps the lease, the standby never leads.
      const until = Date.now() + 3 * leaseDurationMs;
      while (Date.now() < until) {
        expect(await holder(ns)).toBe(leaderId);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(log(standby)).not.toContain("became leader");
      expect(log(leader)).not.toContain("leadership lost");
      // The limiter really was saturated: reconcile traffic waited for whole seconds.
      const waited = await waitedShared();
      const leaseWaited = await leader.metric(
        "siskin_rest_client_rate_limiter_wait_seconds",
        { client: "lease" },
      );
      process.stdout.write(
        `leader election: saturated leader waited ${waited.toFixed(1)} s in the shared limiter, ${leaseWaited.toFixed(2)} s for the lease\n`,
      );
      expect(waited).toBeGreaterThan(5);
      expect(leaseWaited).toBeLessThan(0.5);
    } finally {
      await Promise.all(operators.splice(0).map((o) => o.stop()));
      await namespace.dispose();
    }
  });

  it("a blackholed leader stops at its renew deadline; none of its writes land after the standby's first", async () => {
    const ns = auditedNamespace;
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    try {
      const server = new URL(
        (
          parse(readFileSync(clusterState().kubeconfig, "utf8")) as {
            clusters: { cluster: { server: string } }[];
          }
        ).clusters[0]?.cluster.server ?? "",
      );
      proxy = await new FreezableProxy(
        server.hostname,
        Number(server.port),
      ).start();
      const leader = candidate(ns, kubeconfigThrough(proxy.url));
      await eventually(async () => /became leader/.test(log(leader)), {
        what: "a leader",
      });
      const standby = candidate(ns, clusterState().kubeconfig);
      await eventually(async () => identityOf(standby), { what: "a standby" });
      const api = await startLongRun(ns, leader);
      await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 4, {
        what: "two steps",
      });
      const leaderId = identityOf(leader) ?? "";
      const standbyId = identityOf(standby) ?? "";

      proxy.freeze();
      const frozenAt = Date.now();
      await eventually(async () => leader.exited, {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: "the blackholed leader to stop",
      });
      const stoppedMs = Date.now() - frozenAt;
      expect(log(leader)).toContain("leadership lost");
      // The deadline counts from the last renewal that started before the freeze (up to a retry
      // period, 1.2 s, earlier), so the leader stops within renewDeadline of the freeze.
      expect(stoppedMs).toBeLessThanOrEqual(renewDeadlineMs + 500);

      const audit = readAuditLog(clusterState().auditLogPath ?? "");
      const writes = () =>
        audit
          .events()
          .filter(
            (e) =>
              e.objectRef?.namespace === ns &&
              (e.responseStatus?.code ?? 0) < 400,
          );
      const firstOfStandby = await eventually(
        async () => writes().find((e) => e.userAgent?.includes(standbyId)),
        { timeoutMs: 20_000, what: "the standby's first write" },
      );
      expect(firstOfStandby.objectRef?.resource).toBe("leases");
      // The network heals: whatever the old leader had sent and is still connected is released now.
      proxy.heal();
      const healedAt = Date.now();
      // The standby carries the run on (a status write after the heal) and everything has landed.
      await eventually(
        async () =>
          writes().some(
            (e) =>
              e.userAgent?.includes(standbyId) &&
              e.objectRef?.resource === "canaries" &&
              e.at > healedAt + 2000,
          ),
        {
          timeoutMs: 30_000,
          what: "the standby to write a status after the heal",
        },
      );
      const late = writes().filter(
        (e) => e.userAgent?.includes(leaderId) && e.at >= firstOfStandby.at,
      );
      const before = writes().filter((e) => e.userAgent?.includes(leaderId));
      process.stdout.write(
        `leader election: blackholed leader stopped ${stoppedMs} ms after the freeze; ${before.length} writes of it before the takeover, ${late.length} after\n`,
      );
      expect(before.length).toBeGreaterThan(0);
      expect(late.map((e) => `${e.verb} ${e.objectRef?.resource}`)).toEqual([]);
      expect(await holder(ns)).toBe(standbyId);
    } finally {
      await Promise.all(operators.splice(0).map((o) => o.stop()));
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });
});
