// Every alert type posts its tool's native shape to a local receiver; severity filtering as a table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { notifierFor, severityAccepts, type Destination } from "./providers.ts";
import type { Notification, Severity } from "./types.ts";

const rollback: Notification = {
  canary: { name: "podinfo", namespace: "apps" },
  target: "podinfo",
  cluster: "eks-prod",
  kind: "rollback",
  severity: "error",
  message: "Rolling back podinfo.apps: Canary analysis failed 5 times",
  phase: "Failed",
  weight: 0,
  reason: "metric request-success-rate 42 outside threshold >= 99",
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The documented shape of each tool's incoming-webhook payload, checked field by field. */
const shapes: Record<Destination["type"], (body: Json) => void> = {
  slack(body) {
    expect(body).toMatchObject({
      username: "siskin",
      channel: "#deploys",
      text: expect.stringContaining("podinfo.apps"),
    });
    const [attachment] = body.attachments;
    expect(attachment.color).toBe("danger");
    expect(attachment.fields).toContainEqual({
      title: "Reason",
      value: rollback.reason,
      short: false,
    });
    expect(attachment.fields).toContainEqual({
      title: "Cluster",
      value: "eks-prod",
      short: true,
    });
  },
  msteams(body) {
    expect(body.type).toBe("message");
    const [attachment] = body.attachments;
    expect(attachment.contentType).toBe(
      "application/vnd.microsoft.card.adaptive",
    );
    expect(attachment.content).toMatchObject({
      type: "AdaptiveCard",
      version: expect.stringMatching(/^1\.\d$/),
    });
    const factSet = attachment.content.body.find(
      (e: Json) => e.type === "FactSet",
    );
    expect(factSet.facts).toContainEqual({ title: "Phase", value: "Failed" });
    expect(factSet.facts).toContainEqual({
      title: "Reason",
      value: rollback.reason,
    });
    expect(
      attachment.content.body.every((e: Json) => typeof e.type === "string"),
    ).toBe(true);
  },
  discord(body) {
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(body.embeds.length).toBeLessThanOrEqual(10);
    const [embed] = body.embeds;
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(
      Number.isInteger(embed.color) &&
        embed.color >= 0 &&
        embed.color <= 0xffffff,
    ).toBe(true);
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    expect(embed.fields).toContainEqual({
      name: "Canary weight",
      value: "0%",
      inline: true,
    });
    for (const f of embed.fields)
      expect(f.value.length).toBeLessThanOrEqual(1024);
  },
  rocket(body) {
    expect(body).toMatchObject({
      channel: "#deploys",
      alias: "siskin",
      text: expect.stringContaining("Rolling back"),
    });
    expect(body.attachments[0].color).toMatch(/^#[0-9a-f]{6}$/);
    expect(body.attachments[0].fields).toContainEqual({
      title: "Reason",
      value: rollback.reason,
      short: false,
    });
  },
  gchat(body) {
    expect(body.text).toContain("podinfo.apps");
    const [card] = body.cardsV2;
    expect(typeof card.cardId).toBe("string");
    expect(card.card.header.title).toBe("podinfo.apps");
    const widgets = card.card.sections[0].widgets;
    expect(widgets).toContainEqual({
      decoratedText: { topLabel: "Reason", text: rollback.reason },
    });
  },
  generic(body) {
    expect(body).toEqual({
      name: "podinfo",
      namespace: "apps",
      target: "podinfo",
      cluster: "eks-prod",
      kind: "rollback",
      severity: "error",
      phase: "Failed",
      weight: 0,
      message: rollback.message,
      reason: rollback.reason,
    });
  },
};

describe("alert providers", () => {
  let receiver: HttpRecorder;
  beforeAll(async () => {
    receiver = await new HttpRecorder().start();
  });
  afterAll(() => receiver.stop());

  it.each(Object.keys(shapes) as Destination["type"][])(
    "%s posts its native payload",
    async (type) => {
      const before = receiver.requests.length;
      await notifierFor({
        type,
        address: `${receiver.url}/${type}`,
        channel: "#deploys",
        token: "s3cret",
      }).post(rollback);
      const request = receiver.requests[before];
      expect(request?.path).toBe(`/${type}`);
      expect(request?.headers["content-type"]).toMatch(/application\/json/);
      shapes[type](JSON.parse(request?.body ?? "{}") as Json);
      if (type === "generic")
        expect(request?.headers.authorization).toBe("Bearer s3cret");
    },
  );

  it("goes through the proxy when one is set", async () => {
    const proxy = await new HttpRecorder().start();
    try {
      for (const type of ["slack", "discord"] as const) {
        await notifierFor({
          type,
          address: "http://chat.invalid/hook",
          proxy: proxy.url,
        }).post(rollback);
      }
      // An HTTP proxy receives the absolute URL of the destination.
      expect(proxy.requests.map((r) => r.path)).toEqual([
        "http://chat.invalid/hook",
        "http://chat.invalid/hook",
      ]);
    } finally {
      await proxy.stop();
    }
  });

  it("rejects with the status, never the address, when the tool refuses", async () => {
    receiver.respond = () => ({ status: 400, body: "invalid_payload" });
    try {
      for (const type of ["slack", "msteams"] as const) {
        const post = notifierFor({
          type,
          address: `${receiver.url}/secret-path`,
        }).post(rollback);
        await expect(post).rejects.toThrow(
          /did not accept the message \(HTTP 400\)/,
        );
        await post.catch((e: Error) =>
          expect(e.message).not.toContain("secret-path"),
        );
      }
    } finally {
      receiver.respond = () => ({ status: 200, body: "ok" });
    }
  });
});

describe("severity filter (missing severity = info)", () => {
  const table: [Severity | undefined, Severity, boolean][] = [
    [undefined, "info", true],
    [undefined, "warn", true],
    [undefined, "error", true],
    ["info", "info", true],
    ["info", "error", true],
    ["warn", "info", false],
    ["warn", "warn", true],
    ["warn", "error", true],
    ["error", "info", false],
    ["error", "warn", false],
    ["error", "error", true],
  ];
  it.each(table)(
    "alert %s receives %s: %s",
    (alert, notification, expected) => {
      expect(severityAccepts(alert, notification)).toBe(expected);
    },
  );
});
