// Chaos on a cluster of its own: one weighted run (interval 1 s, stepWeight 5, maxWeight 50) while the
// operator is SIGKILLed at 10 random moments (and restarted at once), etcd is paused for 10 s and the
// API server is stopped and started again. The API server's audit log records every RouteTable write
// (a watch would miss versions written while it reconnects after the restart). The run
// must end Succeeded on the new image, the weights may only rise one step at a time (then go back to
// the primary), no Slack message may be sent twice, and the operator must log no unhandled rejection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { auditLog, storedByWrites } from "../../dev/cluster/audit.ts";
import { startCluster, type LocalCluster } from "../../dev/cluster/cluster.ts";
import { signalGroup } from "../../dev/cluster/process.ts";
import { routeWeights, type RouteTableLike } from "../../dev/route-weights.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import { KubeApi } from "../../src/kube/api.ts";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import { Reflector, type StoredObject } from "../../src/kube/reflector.ts";
import { systemClock } from "../../src/util/clock.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";

const ns = "chaos";
let cluster: LocalCluster;
let client: KubeClient;
let api: KubeApi;
let operator: OperatorProcess;
const slack = new SlackReceiver();
const routeTableWrites = auditLog([
  {
    level: "RequestResponse",
    verbs: ["create", "update", "patch"],
    resources: { group: "gateway.solo.io", resources: ["routetables"] },
  },
]);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Timed<T> = { value: T; at: number };
type RouteTable = StoredObject & RouteTableLike;
type CanaryObject = StoredObject & { status?: { phase?: string } };

beforeAll(async () => {
  cluster = await startCluster({
    apiserverArgs: routeTableWrites.apiserverArgs,
  });
  client = new KubeClient(
    loadClusterAccess({ kubeconfig: cluster.state.kubeconfig }),
  );
  api = new KubeApi(client);
  await slack.start();
  await api.create({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns },
  });
  operator = new OperatorProcess({
    kubeconfig: cluster.state.kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
    slackUrl: slack.url,
    logLevel: "info",
  });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  client?.close();
  await slack.stop();
  await cluster?.stop({ removeDir: true });
});

/** Every distinct value a watched object goes through, with when the watch delivered it. */
function record<T extends StoredObject, V>(
  path: string,
  read: (o: T) => V | undefined,
): { seen: Timed<V>[]; reflector: Reflector<T> } {
  const seen: Timed<V>[] = [];
  const reflector = new Reflector<T>({
    client,
    clock: systemClock,
    logger: pino({ level: "silent" }),
    path,
  });
  reflector.on(({ object, verb }) => {
    const value = verb === "delete" ? undefined : read(object);
    if (value !== undefined && seen.at(-1)?.value !== value)
      seen.push({ value, at: Date.now() });
  });
  return { seen, reflector };
}

const canaryWeight = (t: RouteTable) => routeWeights(t)[1];

describe("chaos", () => {
  it(
    "a run survives 10 operator kills, an etcd pause and an API server restart",
    { timeout: 600_000 },
    async () => {
      const phases = record<CanaryObject, string>(
        `/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`,
        (c) => c.status?.phase,
      );
      await phases.reflector.start();
      operator.start();
      await api.create(podinfoDeployment(ns) as never);
      const canary = podinfoCanary(ns, {
        interval: "1s",
        stepWeight: 5,
        maxWeight: 50,
        threshold: 5,
        metrics: [],
      });
      delete canary.spec.autoscalerRef;
      await api.create(canary as never);
      const until = async (what: string, check: () => boolean, ms: number) => {
        const deadline = Date.now() + ms;
        while (!check()) {
          if (Date.now() > deadline)
            throw new Error(
              `timed out waiting for ${what}:\n${operator.logTail(15)}`,
            );
          await pause(50);
        }
      };
      await until(
        "Initialized",
        () => phases.seen.at(-1)?.value === "Initialized",
        60_000,
      );

      await api.patch(
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: ns,
          name: "podinfo",
        },
        [
          {
            op: "replace",
            path: "/spec/template/spec/containers/0/image",
            value: podinfoImage("6.0.1"),
          },
        ],
        "json",
      );
      const restarts: number[] = [];
      const kill = async () => {
        await operator.kill();
        operator.start();
        restarts.push(Date.now());
      };
      const randomKills = async (count: number) => {
        for (let i = 0; i < count; i++) {
          await pause(300 + Math.random() * 1200);
          await kill();
        }
      };
      await randomKills(4);
      // etcd stops answering for 10 s: every API call hangs, then everything resumes.
      const etcd = cluster.components.find((c) => c.name === "etcd");
      signalGroup(etcd?.pid ?? 0, "SIGSTOP");
      await pause(10_000);
      signalGroup(etcd?.pid ?? 0, "SIGCONT");
      await randomKills(3);
      await cluster.restart("kube-apiserver");
      await randomKills(3);

      await until(
        "Succeeded",
        () => phases.seen.at(-1)?.value === "Succeeded",
        300_000,
      );
      await pause(2000); // let the last announcements arrive before counting them
      await phases.reflector.stop();
      const weights: Timed<number>[] = [];
      for (const write of storedByWrites<RouteTable>(routeTableWrites)) {
        const value = canaryWeight(write.object);
        if (
          write.object.metadata?.namespace === ns &&
          value !== undefined &&
          weights.at(-1)?.value !== value
        )
          weights.push({ value, at: write.at });
      }

      const primary = await api.get<{
        spec: { template: { spec: { containers: { image: string }[] } } };
      }>({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: ns,
        name: "podinfo-primary",
      });
      expect(primary.spec.template.spec.containers[0]?.image).toBe(
        podinfoImage("6.0.1"),
      );
      // Weights only ever rise by one step, then return to the primary.
      expect(weights.map((w) => w.value)).toEqual([
        0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 0,
      ]);
      const texts = slack.payloads.map((p) => JSON.stringify(p));
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.filter((t, i) => texts.indexOf(t) !== i)).toEqual([]);
      const log = operator.logTail(1_000_000);
      expect(log).not.toMatch(/unhandled|Uncaught/i);

      // Recovery: from each restart to the next change the run made (a weight or a phase).
      const changes = [...weights, ...phases.seen]
        .map((c) => c.at)
        .sort((a, b) => a - b);
      const recoveries = restarts.flatMap((r) => {
        const next = changes.find((at) => at > r);
        return next === undefined ? [] : [(next - r) / 1000];
      });
      console.log(
        `chaos: ${restarts.length} operator kills, etcd paused 10 s, API server restarted once; worst recovery ${Math.max(...recoveries).toFixed(1)} s (of ${recoveries.length} measured)`,
      );
      expect(restarts.length).toBe(10);
    },
  );
});
