// Two operator processes with leader election: only the leader reconciles; when it is killed, the
// other takes the Lease over and finishes the run without repeating a step; SIGTERM hands the Lease
// back at once.
import { afterAll, describe, expect, it } from "vitest";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { CanaryApi, WeightRecorder } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { initializePodinfo, type Scenario } from "../support/scenario.ts";

const operators: OperatorProcess[] = [];
let dispose: (() => Promise<void>) | undefined;
afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await dispose?.();
});

function candidate(ns: string, clockSkew?: string): OperatorProcess {
  const operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
    // A real skewed clock for the whole process (libfaketime), not a hook in the operator.
    ...(clockSkew ? { prefix: ["faketime", "-f", clockSkew] } : {}),
    extraArgs: [
      "--enable-leader-election=true",
      `--leader-election-namespace=${ns}`,
      "--leader-election-lease-duration=4s",
      "--leader-election-renew-deadline=3s",
      "--leader-election-retry-period=1s",
    ],
  });
  operators.push(operator);
  operator.start();
  return operator;
}

const log = (o: OperatorProcess) => o.logTail(100_000);
const leaseDurationMs = 4000;
const retryPeriodMs = 1000;
const identityOf = (o: OperatorProcess) =>
  /"identity":"([^"]+)","msg":"waiting for leadership"/.exec(log(o))?.[1];
async function holder(ns: string): Promise<string | undefined> {
  const lease = await kubeConfig()
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: "siskin-leader", namespace: ns });
  return lease.spec?.holderIdentity;
}
const reconciled = (o: OperatorProcess) => /"msg":"phase changed"/.test(log(o));

describe("leader election", () => {
  it("one leader writes; the standby takes over when it dies and finishes without repeating a step", async () => {
    const namespace = await createTestNamespace("leader");
    dispose = namespace.dispose;
    const ns = namespace.name;
    const api = new CanaryApi(kubeConfig(), ns);
    const first = candidate(ns);
    await eventually(async () => /became leader/.test(log(first)), {
      what: "a leader",
    });
    const second = candidate(ns);
    await eventually(async () => /waiting for leadership/.test(log(second)), {
      what: "a standby",
    });

    const s: Scenario = {
      ns,
      api,
      operator: first,
      waitForPhase: async (phase, timeoutMs = 60_000) => {
        await eventually(async () => (await api.status()).phase === phase, {
          timeoutMs,
          what: `phase ${phase}`,
        });
      },
      dispose: namespace.dispose,
    };
    await initializePodinfo(
      s,
      podinfoCanary(ns, {
        interval: "2s",
        stepWeight: 10,
        maxWeight: 50,
        metrics: [],
      }),
    );
    const weights = new WeightRecorder();
    await weights.start(api);
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 20, {
      what: "weight 20",
    });
    expect(reconciled(first)).toBe(true);
    expect(reconciled(second)).toBe(false); // the standby has written nothing

    await first.kill();
    await eventually(async () => /became leader/.test(log(second)), {
      timeoutMs: 20_000,
      what: "the standby to lead",
    });
    await s.waitForPhase("Succeeded", 60_000);
    weights.stop();
    expect(weights.seen).toEqual([0, 10, 20, 30, 40, 50, 0]);
    expect(reconciled(second)).toBe(true);
    const lease = await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: "siskin-leader", namespace: ns });
    expect(lease.spec?.leaseTransitions).toBe(1);
    expect(lease.spec?.holderIdentity).toMatch(/_\d+_/);

    // Graceful shutdown hands the Lease back: no holder, so a new replica need not wait for expiry.
    await second.stop();
    expect(log(second)).toContain("leadership released");
    const released = await kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: "siskin-leader", namespace: ns });
    expect(released.spec?.holderIdentity).toBeUndefined();
  });

  it.each([
    ["60 s ahead", "+60s"],
    ["60 s behind", "-60s"],
  ])(
    "a standby whose clock runs %s neither steals a healthy lease nor waits too long after a crash",
    { timeout: 120_000 },
    async (_name, skew) => {
      const namespace = await createTestNamespace("skew");
      const ns = namespace.name;
      const api = new CanaryApi(kubeConfig(), ns);
      try {
        const leader = candidate(ns);
        await eventually(async () => /became leader/.test(log(leader)), {
          what: "a leader",
        });
        const standby = candidate(ns, skew);
        await eventually(async () => identityOf(standby), {
          what: "a standby",
        });
        await initializePodinfo(
          {
            ns,
            api,
            operator: leader,
            waitForPhase: async (phase) =>
              void (await eventually(
                async () => (await api.status()).phase === phase,
                { what: `phase ${phase}` },
              )),
            dispose: namespace.dispose,
          },
          podinfoCanary(ns, {
            // Long enough that the run is still stepping after three lease durations.
            interval: "5s",
            stepWeight: 10,
            maxWeight: 50,
            metrics: [],
          }),
        );
        const weights = new WeightRecorder();
        await weights.start(api);
        await api.setImage("podinfo", podinfoImage("6.0.1"));

        await eventually(async () => ((await api.weights())?.[1] ?? 0) >= 10, {
          what: "weight 10",
        });
        // Three lease durations: the healthy leader keeps the lease whatever the standby's clock says.
        const leaderId = await holder(ns);
        const until = Date.now() + 3 * leaseDurationMs;
        while (Date.now() < until) {
          expect(await holder(ns)).toBe(leaderId);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(log(standby)).not.toContain("became leader");

        // The leader dies mid-run: the standby leads within leaseDuration + retryPeriod + 2 s.
        expect((await api.status()).phase).toBe("Progressing");
        await leader.kill();
        const killedAt = Date.now();
        const standbyId = identityOf(standby);
        await eventually(async () => (await holder(ns)) === standbyId, {
          timeoutMs: 30_000,
          intervalMs: 50,
          what: "the standby to take the lease",
        });
        const tookMs = Date.now() - killedAt;
        expect(tookMs).toBeLessThanOrEqual(
          leaseDurationMs + retryPeriodMs + 2000,
        );
        await eventually(
          async () => (await api.status()).phase === "Succeeded",
          {
            timeoutMs: 60_000,
            what: "Succeeded",
          },
        );
        weights.stop();
        // No step repeated or skipped across the takeover.
        expect(weights.seen).toEqual([0, 10, 20, 30, 40, 50, 0]);
      } finally {
        await Promise.all(operators.map((o) => o.stop()));
        await namespace.dispose();
      }
    },
  );
});
