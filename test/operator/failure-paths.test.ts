// Runs that cannot go on by themselves, each said once to a Slack-compatible receiver, with the reason
// and a link to the Canary's dashboard page: analysis.onFailure: hold answered by promote and abort, a
// metrics provider that stops answering, a promotion whose primary cannot start (a ResourceQuota leaves
// no room for its new pod: the canary keeps serving), and a spec made invalid mid-run. Results are read
// from the API server (status, RouteTable, Deployments) and from the payloads the receiver got.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusStub } from "../../dev/services/prometheus-stub.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { patchCanarySpec } from "../support/canary-api.ts";
import { kubectlSiskin } from "../support/cli.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import {
  aReconcileLater,
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

const dashboardUrl = "https://siskin.example.test/";
let slack: SlackReceiver;
const scenarios: Scenario[] = [];

beforeAll(async () => {
  slack = new SlackReceiver();
  await slack.start();
});
afterAll(async () => {
  await Promise.all(scenarios.map((s) => s.dispose()));
  await slack?.stop();
});

async function scenario(prefix: string, metricsServer?: string) {
  const s = await startScenario(prefix, metricsServer, {
    slackUrl: slack.url,
    extraArgs: [`--dashboard-url=${dashboardUrl}`],
  });
  scenarios.push(s);
  return s;
}

/** The alerts about this scenario's Canary whose text contains `text`. */
const alerts = (s: Scenario, text: string) =>
  slack.payloads.filter(
    (p) => p.text.startsWith(`podinfo.${s.ns}:`) && p.text.includes(text),
  );

const field = (
  p: { attachments?: { fields?: { title: string; value: string }[] }[] },
  title: string,
) => p.attachments?.[0]?.fields?.find((f) => f.title === title)?.value;

describe("analysis.onFailure: hold", () => {
  const prometheus = new PrometheusStub();
  let s: Scenario;
  beforeAll(async () => {
    await prometheus.start();
    s = await scenario("hold", prometheus.url);
    await initializePodinfo(
      s,
      podinfoCanary(s.ns, {
        interval: "2s",
        stepWeight: 10,
        maxWeight: 50,
        threshold: 2,
        onFailure: "hold",
      }),
    );
  });
  afterAll(() => prometheus.stop());

  it("a silent provider alerts once; the run is held at its weight, alerted once, and promote finishes it", async () => {
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 10, {
      what: "weight 10",
    });
    prometheus.unreachable = true;
    await eventually(async () => (await s.api.status()).held !== undefined, {
      what: () => `the run held (log: ${s.operator.logTail(5)})`,
    });
    const status = await s.api.status();
    expect(status.phase).toBe("Progressing");
    const weight = status.canaryWeight ?? 0;
    expect(weight).toBeGreaterThanOrEqual(10);
    expect(status.held?.reason).toMatch(
      /analysis failed 2 times \(threshold 2\)/,
    );
    // The provider's silence was said once, with the error, and the hold once, with the way out.
    const silent = await slack.textContaining(
      `podinfo.${s.ns}: Metrics of podinfo.${s.ns} could not be read`,
    );
    expect(field(silent, "Reason")).toMatch(
      /metric request-success-rate: .*(socket hang up|ECONNRESET)/,
    );
    const held = await slack.textContaining(`podinfo.${s.ns}: Holding`);
    expect(held.text).toMatch(/kubectl siskin promote, abort or retry/);
    expect(field(held, "Canary page")).toBe(
      `https://siskin.example.test/#/canary/${s.ns}/podinfo`,
    );
    // Held: several intervals go by (each one a reconcile), the weight stays, nothing is said again.
    await aReconcileLater(s, "a reconcile while held");
    expect((await s.api.weights())?.[1]).toBe(weight);
    expect(alerts(s, "could not be read")).toHaveLength(1);
    expect(alerts(s, "Holding")).toHaveLength(1);

    prometheus.unreachable = false;
    const promoted = await kubectlSiskin(s.ns, "promote", "podinfo");
    expect(promoted).toMatchObject({ code: 0 });
    await s.waitForPhase("Succeeded");
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect((await s.api.status()).held).toBeUndefined();
  });

  it("abort rolls a held run back, with its alert", async () => {
    prometheus.answer = () => 42; // success rate 42 %: each check fails
    await s.api.setImage("podinfo", podinfoImage("6.0.2"));
    await eventually(async () => (await s.api.status()).held !== undefined, {
      what: () => `the run held (log: ${s.operator.logTail(5)})`,
    });
    expect(alerts(s, "Halt podinfo")).toHaveLength(1);
    const aborted = await kubectlSiskin(s.ns, "abort", "podinfo");
    expect(aborted).toMatchObject({ code: 0 });
    await s.waitForPhase("Failed");
    const rollback = await slack.textContaining(
      `podinfo.${s.ns}: Rolling back podinfo.${s.ns}: aborted by`,
    );
    expect(rollback.attachments?.[0]?.color).toBe("danger");
    expect((await s.api.weights())?.[1]).toBe(0);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect(alerts(s, "Holding")).toHaveLength(2);
  });
});

describe("a promotion whose primary cannot start", () => {
  it("fails with one alert and the canary keeps serving; it finishes once the primary can start", async () => {
    const s = await scenario("promofail");
    await initializePodinfo(
      s,
      podinfoCanary(s.ns, {
        interval: "2s",
        stepWeight: 50,
        maxWeight: 50,
        metrics: [],
      }),
    );
    // The primary runs 2 pods, the target none.
    await eventually(
      async () =>
        (await s.api.core.listNamespacedPod({ namespace: s.ns })).items.filter(
          (p) => !p.metadata?.deletionTimestamp,
        ).length === 2,
      { what: "only the primary's 2 pods" },
    );
    // Room for the primary's 2 pods and the canary's 2, none for the surge pod the primary's rolling
    // update needs when the promotion copies the new template to it.
    await s.api.core.createNamespacedResourceQuota({
      namespace: s.ns,
      body: { metadata: { name: "pods" }, spec: { hard: { pods: "4" } } },
    });
    await eventually(
      async () =>
        (
          await s.api.core.readNamespacedResourceQuota({
            name: "pods",
            namespace: s.ns,
          })
        ).status?.used?.pods === "2",
      { what: "the quota counted" },
    );
    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", {
      progressDeadlineSeconds: 15,
    });
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Promoting");
    await eventually(
      async () => (await s.api.status()).promotionFailed !== undefined,
      {
        timeoutMs: 60_000,
        what: () => `the promotion to fail (log: ${s.operator.logTail(5)})`,
      },
    );
    const status = await s.api.status();
    expect(status.phase).toBe("Failed");
    expect(status.promotionFailed?.reason).toMatch(
      /podinfo-primary did not become ready .*progress deadline of 15s/,
    );
    const alert = await slack.textContaining(
      `podinfo.${s.ns}: Promotion of podinfo.${s.ns} failed`,
    );
    expect(alert.text).toMatch(/The canary keeps serving at weight 50/);
    // Not a rollback: the canary still runs and still has its share of the traffic.
    expect((await s.api.weights())?.[1]).toBe(50);
    const canary = await s.api.apps.readNamespacedDeployment({
      name: "podinfo",
      namespace: s.ns,
    });
    expect(canary.spec?.replicas).toBe(2);

    await s.api.core.deleteNamespacedResourceQuota({
      name: "pods",
      namespace: s.ns,
    });
    await s.waitForPhase("Succeeded", 120_000);
    expect((await s.api.weights())?.[1]).toBe(0);
    expect(alerts(s, "Promotion of")).toHaveLength(1);
    expect(alerts(s, "Rolling back")).toHaveLength(0);
  }, 240_000);
});

describe("a spec made invalid during a run", () => {
  it("freezes the run and alerts once per problem", async () => {
    const s = await scenario("invalid");
    await initializePodinfo(
      s,
      podinfoCanary(s.ns, {
        interval: "2s",
        stepWeight: 10,
        maxWeight: 50,
        metrics: [],
      }),
    );
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 10, {
      what: "weight 10",
    });
    await kubectlSiskin(s.ns, "pause", "podinfo");
    const weight = (await s.api.status()).canaryWeight;
    const analysis = podinfoCanary(s.ns, {
      interval: "2s",
      stepWeights: [30, 20],
      metrics: [],
    }).spec.analysis;
    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", { analysis });
    const alert = await slack.textContaining(
      `podinfo.${s.ns}: The spec of podinfo.${s.ns} became invalid`,
    );
    expect(field(alert, "Reason")).toMatch(/spec.analysis.stepWeights/);
    expect(alert.text).toContain(`frozen at weight ${weight}`);
    // Further reconciles of the same problem say nothing more.
    await aReconcileLater(s, "a reconcile of the invalid Canary");
    expect(alerts(s, "became invalid")).toHaveLength(1);
    expect((await s.api.weights())?.[1]).toBe(weight);
  });
});
