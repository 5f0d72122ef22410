// Alerts through a Slack bot token, end to end: an AlertProvider and its Secret (address, token) on the
// local cluster, a local receiver answering as Slack's Web API does (chat.postMessage), the operator
// alerting on a real run, and `kubectl siskin notify-test`. An HTTP 200 {"ok":false} is a failure the
// user can see (exit code, log, siskin_alerts_total), not a lost alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { podinfoCanary } from "../fixtures/podinfo.ts";
import { kubectlSiskin } from "../support/cli.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

let s: Scenario;
let slack: HttpRecorder;
let answer = { ok: true } as { ok: boolean; error?: string };

beforeAll(async () => {
  slack = await new HttpRecorder().start();
  slack.respond = () => ({ status: 200, body: JSON.stringify(answer) });
  s = await startScenario("alerts");
  await s.api.core.createNamespacedSecret({
    namespace: s.ns,
    body: {
      metadata: { name: "slack-bot" },
      stringData: {
        address: `${slack.url}/api/chat.postMessage`,
        token: "xoxb-1-test",
      },
    },
  });
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: s.ns,
      plural: "alertproviders",
      body: {
        apiVersion: "flagger.app/v1beta1",
        kind: "AlertProvider",
        metadata: { name: "on-call", namespace: s.ns },
        spec: {
          type: "slack",
          channel: "releases",
          username: "flagger",
          secretRef: { name: "slack-bot" },
        },
      },
    });
});
afterAll(async () => {
  await s?.dispose();
  await slack?.stop();
});

describe("Slack bot token", () => {
  it("notify-test posts through the AlertProvider and prints Slack's answer", async () => {
    answer = { ok: true };
    const sent = await kubectlSiskin(s.ns, "notify-test", "on-call");
    expect(sent).toMatchObject({ code: 0 });
    expect(sent.out).toMatch(
      /on-call \(slack \(bot token, chat.postMessage\)\): the message was accepted/,
    );
    const request = slack.requests.at(-1)!;
    expect(request.path).toBe("/api/chat.postMessage");
    expect(request.headers.authorization).toBe("Bearer xoxb-1-test");
    expect(JSON.parse(request.body)).toMatchObject({
      channel: "releases",
      username: "flagger",
    });

    answer = { ok: false, error: "not_in_channel" };
    const refused = await kubectlSiskin(s.ns, "notify-test", "on-call");
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /did not accept the message: not_in_channel \[not_in_channel\]/,
    );
    expect(refused.out).not.toContain("xoxb");
    expect(refused.out).not.toContain(slack.url);
  });

  it("the operator's alerts go through chat.postMessage; an {ok:false} answer is logged and counted", async () => {
    answer = { ok: false, error: "channel_not_found" };
    const before = slack.requests.length;
    await initializePodinfo(
      s,
      podinfoCanary(s.ns, {
        interval: "2s",
        stepWeight: 50,
        maxWeight: 50,
        metrics: [],
        alerts: [
          {
            name: "on-call",
            severity: "info",
            providerRef: { name: "on-call" },
          },
        ],
      }),
    );
    // "Initialization done" goes to Slack with the token; Slack refuses it.
    await eventually(
      async () =>
        (await s.operator.metric("siskin_alerts_total", {
          type: "slack",
          result: "channel_not_found",
        })) >= 1,
      {
        what: () =>
          `the refused alert to be counted (log: ${s.operator.logTail(5)})`,
      },
    );
    const posted = slack.requests.slice(before);
    expect(posted.length).toBeGreaterThan(0);
    expect(
      posted.every((r) => r.headers.authorization === "Bearer xoxb-1-test"),
    ).toBe(true);
    expect(s.operator.logTail(200)).toMatch(
      /"answer":"channel_not_found".*"msg":"notification failed"/,
    );
    expect(s.operator.logTail(500)).not.toContain("xoxb-1-test");

    answer = { ok: true };
    const { podinfoImage } = await import("../fixtures/podinfo.ts");
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Succeeded");
    await eventually(
      async () =>
        (await s.operator.metric("siskin_alerts_total", {
          type: "slack",
          result: "sent",
        })) >= 2,
      { what: "the run's alerts to be sent" },
    );
  });
});
