// analysis.rollbackWindow: a bake revert with the previous release's pods kept warm moves the traffic to
// them through the router before the primary's rollout is done (read from the API server's audit log),
// with the operator killed mid-revert; a release that changed a tracked ConfigMap is reverted with its
// old data; the window's end scales the warm pods away. Read back from the API server and the
// Slack-compatible receiver; a Prometheus stub turns the primary's success rate bad on cue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  healthyAnswer,
  PrometheusStub,
} from "../../dev/services/prometheus-stub.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { clusterState, eventually } from "../support/cluster.ts";
import { patchCanarySpec } from "../support/canary-api.ts";
import { readAuditLog } from "../../dev/cluster/audit.ts";
import { routeWeights, type RouteTableLike } from "../../dev/route-weights.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

const prometheus = new PrometheusStub();
const slack = new SlackReceiver();
let s: Scenario;

/** The primary's success rate (Gloo's cluster name ends in -primary-<port>) reads 42 %. */
const primaryFailing = (query: string) =>
  query.includes("primary") && query.includes("5.*")
    ? 42
    : healthyAnswer(query);

beforeAll(async () => {
  await prometheus.start();
  await slack.start();
  s = await startScenario("warm", prometheus.url, { slackUrl: slack.url });
  await initializePodinfo(
    s,
    podinfoCanary(s.ns, {
      interval: "2s",
      stepWeight: 50,
      maxWeight: 50,
      threshold: 2,
      bake: { duration: "20s" },
      rollbackWindow: "30s",
    }),
  );
});
afterAll(async () => {
  await s?.dispose();
  await prometheus.stop();
  await slack.stop();
});

const primaryImage = () => s.api.image("podinfo-primary");
/** Succeeded with the primary at this version: a run's end, not the phase the one before left. */
const promotedTo = (version: string) =>
  eventually(
    async () =>
      (await s.api.status()).phase === "Succeeded" &&
      (await primaryImage()) === podinfoImage(version),
    { what: () => `${version} promoted (log: ${s.operator.logTail(5)})` },
  );
const reverts = () =>
  slack.payloads.filter((p) =>
    p.text.startsWith(`podinfo.${s.ns}: Reverted podinfo.${s.ns}`),
  );

describe("analysis.rollbackWindow: warm previous pods", () => {
  it("a revert moves the traffic to them within 2 intervals (audit log), back once the primary is ready; operator killed mid-revert", async () => {
    // The primary's rollout takes at least 5 s (minReadySeconds is copied to it): time a router
    // revert beats, and in which to kill the operator.
    await s.api.patchDeployment("podinfo", [
      { op: "add", path: "/spec/minReadySeconds", value: 5 },
    ]);
    const revertsBefore = reverts().length;
    await s.api.setImage("podinfo", podinfoImage("6.0.4"));
    await promotedTo("6.0.4");
    // The replaced release runs at a quarter of the primary's replicas behind podinfo-previous.
    const warm = await eventually(
      async () => {
        const d = await s.api.apps.readNamespacedDeployment({
          name: "podinfo-previous",
          namespace: s.ns,
        });
        return (d.status?.availableReplicas ?? 0) >= 1 && d;
      },
      { what: "podinfo-previous available" },
    );
    expect(warm.spec?.template.spec?.containers[0]?.image).toBe(
      podinfoImage("6.0.0"),
    );
    expect(warm.spec?.replicas).toBe(1);
    const previousSvc = await s.api.core.readNamespacedService({
      name: "podinfo-previous",
      namespace: s.ns,
    });
    expect(previousSvc.spec?.selector).toEqual({ app: "podinfo-previous" });

    const wentBad = Date.now();
    prometheus.answer = primaryFailing;
    const restoring = await eventually(
      async () => {
        const status = await s.api.status();
        return status.reverted?.restoring === true && status;
      },
      {
        what: () =>
          `a revert onto the warm pods (log: ${s.operator.logTail(5)})`,
      },
    );
    // Mid-revert: traffic on the warm pods, the primary still rolling the old template out.
    const apex = await s.api.core.readNamespacedService({
      name: "podinfo",
      namespace: s.ns,
    });
    expect(apex.spec?.selector).toEqual({ app: "podinfo-previous" });
    await s.operator.kill();
    s.operator.start();
    await eventually(
      async () => {
        const status = await s.api.status();
        return (
          status.reverted !== undefined &&
          status.reverted.restoring === false &&
          (await s.api.replicas("podinfo-previous")) === 0
        );
      },
      {
        timeoutMs: 40_000,
        what: () => `the revert to finish (log: ${s.operator.logTail(5)})`,
      },
    );
    prometheus.answer = healthyAnswer;
    expect(await primaryImage()).toBe(podinfoImage("6.0.0"));
    const services = Object.fromEntries(
      await Promise.all(
        ["podinfo", "podinfo-canary"].map(async (name) => [
          name,
          (await s.api.core.readNamespacedService({ name, namespace: s.ns }))
            .spec?.selector,
        ]),
      ),
    );
    expect(services).toEqual({
      podinfo: { app: "podinfo-primary" },
      "podinfo-canary": { app: "podinfo" },
    });

    // Every RouteTable write the API server took, in order: onto the warm pods, then back.
    const audit = readAuditLog(clusterState().auditLogPath ?? "");
    const writes = audit
      .events<RouteTableLike>()
      .filter(
        (e) =>
          e.objectRef?.namespace === s.ns &&
          e.objectRef.resource === "routetables" &&
          e.at >= wentBad &&
          e.responseObject,
      )
      .map((e) => ({ at: e.at, weights: routeWeights(e.responseObject!) }));
    const onWarm = writes.find((w) => w.weights.join() === "0,100");
    const back = writes.find(
      (w) => onWarm && w.at > onWarm.at && w.weights.join() === "100,0",
    );
    expect(onWarm, JSON.stringify(writes)).toBeDefined();
    expect(back, JSON.stringify(writes)).toBeDefined();
    const revertedAt = Date.parse(restoring.reverted?.at ?? "");
    const intervalMs = 2000;
    console.log(
      `warm revert: weights on the previous pods ${onWarm!.at - revertedAt} ms after the revert decision (${((onWarm!.at - wentBad) / 1000).toFixed(1)} s after the metrics went bad), back on the primary ${((back!.at - onWarm!.at) / 1000).toFixed(1)} s later, once its rollout was ready`,
    );
    expect(onWarm!.at - revertedAt).toBeLessThanOrEqual(2 * intervalMs);
    // The primary's rollout (minReadySeconds 5) is what the traffic did not wait for.
    expect(back!.at - onWarm!.at).toBeGreaterThanOrEqual(5000);
    // One revert, one alert, through the restart.
    expect(reverts()).toHaveLength(revertsBefore + 1);
    expect(reverts().at(-1)?.text).toMatch(
      /Traffic moved to the previous release's warm pods/,
    );

    await s.api.patchDeployment("podinfo", [
      { op: "replace", path: "/spec/minReadySeconds", value: 0 },
    ]);
    await s.api.setImage("podinfo", podinfoImage("6.0.0"));
    await eventually(async () => (await s.api.status()).phase === "Succeeded", {
      what: "Succeeded at the running release",
    });
  }, 120_000);
});

describe("a release that changed a tracked ConfigMap", () => {
  const settings = (message: string) => ({
    metadata: { name: "podinfo-settings", namespace: s.ns },
    data: { PODINFO_UI_MESSAGE: message },
  });
  const dataOf = async (name: string) =>
    (await s.api.core.readNamespacedConfigMap({ name, namespace: s.ns })).data
      ?.PODINFO_UI_MESSAGE;
  const runsTheTarget = () =>
    eventually(
      async () => {
        const status = await s.api.status();
        return (
          status.phase === "Succeeded" &&
          status.lastPromotedSpec === status.lastAppliedSpec &&
          (await s.api.canary()).status?.lastAppliedSpec !== undefined &&
          status
        );
      },
      { what: () => `a promotion (log: ${s.operator.logTail(5)})` },
    );

  it("is reverted with the old config data, kept at the promotion; the warm pods mount the kept copy", async () => {
    await s.api.core.createNamespacedConfigMap({
      namespace: s.ns,
      body: settings("one"),
    });
    const before = (await s.api.status()).lastAppliedSpec;
    await s.api.patchDeployment("podinfo", [
      {
        op: "add",
        path: "/spec/template/spec/containers/0/envFrom",
        value: [{ configMapRef: { name: "podinfo-settings" } }],
      },
    ]);
    await eventually(
      async () => (await s.api.status()).lastAppliedSpec !== before,
      { what: "the new revision picked up" },
    );
    await runsTheTarget();
    expect(await dataOf("podinfo-settings-primary")).toBe("one");

    // The release: only the ConfigMap changes.
    const first = (await s.api.status()).lastAppliedSpec;
    await s.api.core.replaceNamespacedConfigMap({
      name: "podinfo-settings",
      namespace: s.ns,
      body: settings("two"),
    });
    await eventually(
      async () => (await s.api.status()).lastAppliedSpec !== first,
      { what: "the config change picked up as a revision" },
    );
    await runsTheTarget();
    expect(await dataOf("podinfo-settings-primary")).toBe("two");
    expect(await dataOf("podinfo-settings-previous")).toBe("one");
    expect((await s.api.status()).previous?.configs).toEqual([
      "configmap/podinfo-settings",
    ]);
    const warm = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-previous",
      namespace: s.ns,
    });
    expect(
      warm.spec?.template.spec?.containers[0]?.envFrom?.[0]?.configMapRef?.name,
    ).toBe("podinfo-settings-previous");

    prometheus.answer = primaryFailing;
    await eventually(
      async () => (await s.api.status()).reverted?.to === first,
      { what: () => `the revert (log: ${s.operator.logTail(5)})` },
    );
    prometheus.answer = healthyAnswer;
    // The primary's copy holds the old data again, and its pods restart to read it.
    expect(await dataOf("podinfo-settings-primary")).toBe("one");
    const primary = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: s.ns,
    });
    expect(
      primary.spec?.template.metadata?.annotations?.["siskin.dev/restartedAt"],
    ).toBeDefined();

    // Reverting the config in Git brings the target back to what runs: no run.
    await s.api.core.replaceNamespacedConfigMap({
      name: "podinfo-settings",
      namespace: s.ns,
      body: settings("one"),
    });
    await eventually(
      async () => {
        const status = await s.api.status();
        return status.phase === "Succeeded" && status.lastAppliedSpec === first;
      },
      { what: "Succeeded at the running release" },
    );
  }, 120_000);
});

describe("the end of the rollback window", () => {
  it("scales the warm pods away once and drops the window from status; the record stays", async () => {
    await patchCanarySpec(s.api.kc, s.ns, "podinfo", {
      analysis: { rollbackWindow: "4s" },
    });
    await s.api.setImage("podinfo", podinfoImage("6.0.5"));
    await promotedTo("6.0.5");
    await eventually(
      async () => {
        const previous = (await s.api.status()).previous;
        return (
          previous !== undefined &&
          previous.warmUntil === undefined &&
          (await s.api.replicas("podinfo-previous")) === 0
        );
      },
      {
        timeoutMs: 30_000,
        what: "podinfo-previous scaled to zero, warmUntil gone",
      },
    );
    expect(await primaryImage()).toBe(podinfoImage("6.0.5"));
  }, 90_000);
});
