// After the promotion (issue: a release that passed its analysis and then goes bad): analysis.bake judges
// the promoted primary and reverts it to the previous release; kubectl siskin undo does the same on
// request within the window. Read back from the API server (the primary's image, the Canary's status),
// the Slack-compatible receiver and the CLI's exit codes. The metrics come from a Prometheus stub that
// turns the primary's success rate bad on cue, with the operator killed between two failed checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  healthyAnswer,
  PrometheusStub,
} from "../../dev/services/prometheus-stub.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { kubectlSiskin } from "../support/cli.ts";
import { eventually } from "../support/cluster.ts";
import {
  aReconcileLater,
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
  s = await startScenario("bake", prometheus.url, { slackUrl: slack.url });
  await initializePodinfo(
    s,
    podinfoCanary(s.ns, {
      interval: "2s",
      stepWeight: 50,
      maxWeight: 50,
      threshold: 2,
      bake: { duration: "20s" },
    }),
  );
});
afterAll(async () => {
  await s?.dispose();
  await prometheus.stop();
  await slack.stop();
});

const siskin = (...args: string[]) => kubectlSiskin(s.ns, ...args);
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

describe("analysis.bake", () => {
  it("reverts the primary to the previous release when it fails its checks after the promotion", async () => {
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await promotedTo("6.0.1");
    const promoted = await s.api.status();
    // The release it replaced is recorded: what a revert goes back to.
    expect(promoted.previous?.revision).toBeTruthy();
    expect(promoted.previous?.revision).not.toBe(promoted.lastPromotedSpec);
    expect(promoted.bake?.until).toBeDefined();
    expect(await primaryImage()).toBe(podinfoImage("6.0.1"));

    // The promoted release degrades once it takes all the traffic.
    const wentBad = Date.now();
    prometheus.answer = primaryFailing;
    await eventually(
      async () => (await s.api.status()).bake?.failedChecks === 1,
      { what: "one failed check of the primary" },
    );
    // Killed between the two failed checks; the next operator goes on from the status.
    await s.operator.kill();
    s.operator.start();
    await eventually(
      async () => (await primaryImage()) === podinfoImage("6.0.0"),
      {
        what: () => `the primary back at 6.0.0 (log: ${s.operator.logTail(5)})`,
      },
    );
    const back = Date.now() - wentBad;
    console.log(
      `bake: the primary was back at the previous release ${(back / 1000).toFixed(1)} s after its metrics went bad (interval 2 s, threshold 2, one operator restart)`,
    );
    const status = await s.api.status();
    expect(status).toMatchObject({
      phase: "Failed",
      reverted: {
        to: promoted.previous?.revision,
        from: promoted.lastAppliedSpec,
      },
      lastPromotedSpec: promoted.previous?.revision,
    });
    const alert = await slack.textContaining(
      `podinfo.${s.ns}: Reverted podinfo.${s.ns}`,
    );
    expect(alert.text).toMatch(/revert the commit or push a fix/);
    expect(alert.attachments?.[0]?.color).toBe("danger");
    // The target keeps its spec (GitOps' truth); nothing runs again and nothing more is said.
    expect(await s.api.image("podinfo")).toBe(podinfoImage("6.0.1"));
    prometheus.answer = healthyAnswer;
    await aReconcileLater(s, "a reconcile after the revert");
    expect(await s.api.status()).toMatchObject({ phase: "Failed" });
    expect(await primaryImage()).toBe(podinfoImage("6.0.0"));
    expect(reverts()).toHaveLength(1);
  });

  it("the reverted commit brings the target back to what runs: Succeeded, no run", async () => {
    const before = slack.payloads.length;
    await s.api.setImage("podinfo", podinfoImage("6.0.0"));
    await eventually(
      async () => {
        const status = await s.api.status();
        return status.phase === "Succeeded" && status.reverted === undefined;
      },
      { what: "Succeeded at the running release" },
    );
    expect(await primaryImage()).toBe(podinfoImage("6.0.0"));
    expect(
      slack.payloads
        .slice(before)
        .filter((p) => p.text.includes("New revision")),
    ).toHaveLength(0);
  });
});

describe("kubectl siskin undo", () => {
  it("reverts within the window, once, recording who asked; refused after it and outside it", async () => {
    await s.api.setImage("podinfo", podinfoImage("6.0.2"));
    await promotedTo("6.0.2");
    const undone = await siskin("undo", "podinfo");
    expect(undone).toMatchObject({ code: 0 });
    expect(undone.out).toMatch(
      /undo .*: done: reverted to the previous release by/,
    );
    await eventually(
      async () => (await primaryImage()) === podinfoImage("6.0.0"),
      {
        what: "the primary back at 6.0.0",
      },
    );
    expect((await s.api.status()).reverted?.by).toBeTruthy();
    expect(reverts()).toHaveLength(2);
    const again = await siskin("undo", "podinfo");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/refused: nothing to undo in phase Failed/);

    // A later release, its window left to pass: undo is refused, saying when it ended.
    await s.api.setImage("podinfo", podinfoImage("6.0.3"));
    await promotedTo("6.0.3");
    await eventually(async () => (await s.api.status()).bake?.passed === true, {
      timeoutMs: 40_000,
      what: "the bake window to pass",
    });
    const late = await siskin("undo", "podinfo");
    expect(late.code).toBe(1);
    expect(late.out).toMatch(/refused: the window for undo ended at/);
    expect(await primaryImage()).toBe(podinfoImage("6.0.3"));
  }, 180_000);
});
