// What a chat tool answers is checked: Slack's Web API with a bot token (chat.postMessage), an
// HTTP 200 {"ok":false} counted as the failure it is, and Discord's Slack-compatible address.
// A local receiver answers as Slack's and Discord's published APIs do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { NotifierRejected, notifierFor } from "./providers.ts";
import type { Notification } from "./types.ts";

const promoted: Notification = {
  canary: { name: "podinfo", namespace: "apps" },
  target: "podinfo",
  cluster: "eks-prod",
  kind: "promoted",
  severity: "info",
  message: "Promotion completed! podinfo.apps",
  phase: "Succeeded",
  weight: 0,
};

let slack: HttpRecorder;
beforeAll(async () => {
  slack = await new HttpRecorder().start();
});
afterAll(() => slack.stop());

async function failure(post: Promise<void>): Promise<NotifierRejected> {
  const error = await post.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotifierRejected);
  return error as NotifierRejected;
}

describe("Slack with a bot token (chat.postMessage)", () => {
  it("posts JSON with the bearer token and the provider's channel", async () => {
    slack.requests.length = 0;
    slack.respond = () => ({
      status: 200,
      body: JSON.stringify({ ok: true, channel: "C1", ts: "1.2" }),
    });
    await notifierFor({
      type: "slack",
      address: `${slack.url}/api/chat.postMessage`,
      token: "xoxb-test",
      channel: "releases",
    }).post(promoted);
    const [request] = slack.requests;
    expect(request?.path).toBe("/api/chat.postMessage");
    expect(request?.headers.authorization).toBe("Bearer xoxb-test");
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request!.body)).toMatchObject({
      channel: "releases",
      text: expect.stringContaining("podinfo.apps"),
    });
  });

  it("fails on HTTP 200 {ok:false} with Slack's error code, which never carries the token", async () => {
    slack.respond = () => ({
      status: 200,
      body: JSON.stringify({ ok: false, error: "channel_not_found" }),
    });
    const error = await failure(
      notifierFor({
        type: "slack",
        address: `${slack.url}/api/chat.postMessage`,
        token: "xoxb-test",
      }).post(promoted),
    );
    expect(error.answer).toBe("channel_not_found");
    expect(error.message).toBe(
      "Slack did not accept the message: channel_not_found",
    );
    // Flagger's default channel when the AlertProvider names none.
    expect(JSON.parse(slack.requests.at(-1)!.body).channel).toBe("general");
  });

  it("an error code that is not Slack's shape is reported as other", async () => {
    slack.respond = () => ({
      status: 200,
      body: JSON.stringify({ ok: false, error: "<script>" + "x".repeat(100) }),
    });
    const error = await failure(
      notifierFor({ type: "slack", address: slack.url, token: "t" }).post(
        promoted,
      ),
    );
    expect(error.answer).toBe("other");
  });
});

describe("Slack incoming webhook", () => {
  it("plain 'ok' is success; 200 with {ok:false} is a failure", async () => {
    slack.respond = () => ({ status: 200, body: "ok" });
    await notifierFor({ type: "slack", address: `${slack.url}/hook` }).post(
      promoted,
    );
    slack.respond = () => ({
      status: 200,
      body: JSON.stringify({ ok: false, error: "not_authed" }),
    });
    const error = await failure(
      notifierFor({ type: "slack", address: `${slack.url}/hook` }).post(
        promoted,
      ),
    );
    expect(error.answer).toBe("not_authed");
  });

  it("an HTTP error is counted by its status", async () => {
    slack.respond = () => ({ status: 404, body: "no_service" });
    const error = await failure(
      notifierFor({ type: "slack", address: `${slack.url}/hook` }).post(
        promoted,
      ),
    );
    expect(error.answer).toBe("http_404");
  });
});

describe("Discord", () => {
  it("an address ending in /slack gets Slack's payload; a plain one Discord's own", async () => {
    slack.respond = () => ({ status: 204 });
    slack.requests.length = 0;
    await notifierFor({
      type: "discord",
      address: `${slack.url}/api/webhooks/1/abc/slack`,
    }).post(promoted);
    await notifierFor({
      type: "discord",
      address: `${slack.url}/api/webhooks/1/abc`,
    }).post(promoted);
    const [viaSlack, native] = slack.requests.map(
      (r) => JSON.parse(r.body) as Record<string, unknown>,
    );
    expect(viaSlack).toHaveProperty("attachments");
    expect(viaSlack).not.toHaveProperty("embeds");
    expect(native).toHaveProperty("embeds");
  });
});
