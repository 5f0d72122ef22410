// Each chat tool's native message shape for one Notification, as data: type -> payload builder.
// The facts are the same everywhere (target, phase, weight, cluster, reason); only the shape differs.
import type { AlertProviderSpec } from "../api/templates.ts";
import type { Notification, Severity } from "./types.ts";

export interface FormatOptions {
  channel?: string;
  username: string;
}

export interface Fact {
  title: string;
  value: string;
}

const hexColors: Record<Severity, string> = {
  info: "#2eb886",
  warn: "#daa038",
  error: "#a30200",
};

function canaryRef(n: Notification): string {
  return `${n.canary.name}.${n.canary.namespace}`;
}

/** The details every format shows, in one order. */
export function facts(n: Notification): Fact[] {
  return [
    { title: "Target", value: `Deployment/${n.target}.${n.canary.namespace}` },
    { title: "Phase", value: n.phase },
    { title: "Canary weight", value: `${n.weight}%` },
    ...(n.cluster ? [{ title: "Cluster", value: n.cluster }] : []),
    ...(n.reason ? [{ title: "Reason", value: n.reason }] : []),
    ...(n.link ? [{ title: "Canary page", value: n.link }] : []),
  ];
}

const slackColors = { info: "good", warn: "warning", error: "danger" } as const;

/** Slack (sent through @slack/webhook): a one-line text for notifications, details in an attachment. */
export function slackPayload(n: Notification, o: FormatOptions) {
  return {
    username: o.username,
    ...(o.channel ? { channel: o.channel } : {}),
    text: `${canaryRef(n)}: ${n.message}`,
    attachments: [
      {
        color: slackColors[n.severity],
        author_name: canaryRef(n),
        ...(n.link ? { title: canaryRef(n), title_link: n.link } : {}),
        text: n.message,
        fields: facts(n).map((f) => ({
          title: f.title,
          value: f.value,
          short: f.title !== "Reason" && f.title !== "Canary page",
        })),
        mrkdwn_in: ["text" as const],
      },
    ],
  };
}

/** Rocket.Chat incoming webhook: Slack-like text plus attachments with fields. */
function rocketPayload(n: Notification, o: FormatOptions) {
  return {
    alias: o.username,
    ...(o.channel ? { channel: o.channel } : {}),
    text: `${canaryRef(n)}: ${n.message}`,
    attachments: [
      {
        title: canaryRef(n),
        text: n.message,
        color: hexColors[n.severity],
        fields: facts(n).map((f) => ({
          title: f.title,
          value: f.value,
          short: f.title !== "Reason" && f.title !== "Canary page",
        })),
      },
    ],
  };
}

/** Microsoft Teams (incoming webhook or Workflows): a message carrying one Adaptive Card. */
function msteamsPayload(n: Notification) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            {
              type: "TextBlock",
              size: "Medium",
              weight: "Bolder",
              text: canaryRef(n),
              color: { info: "Good", warn: "Warning", error: "Attention" }[
                n.severity
              ],
            },
            { type: "TextBlock", text: n.message, wrap: true },
            { type: "FactSet", facts: facts(n) },
          ],
        },
      },
    ],
  };
}

/** Discord execute-webhook: content plus one embed (colour as an integer). */
function discordPayload(n: Notification, o: FormatOptions) {
  return {
    username: o.username,
    content: `${canaryRef(n)}: ${n.message}`,
    embeds: [
      {
        title: canaryRef(n),
        description: n.message,
        color: parseInt(hexColors[n.severity].slice(1), 16),
        fields: facts(n).map((f) => ({
          name: f.title,
          value: f.value,
          inline: f.title !== "Reason" && f.title !== "Canary page",
        })),
      },
    ],
  };
}

/** Google Chat incoming webhook: a text fallback and a cardsV2 card with one decorated line per fact. */
function gchatPayload(n: Notification) {
  return {
    text: `${canaryRef(n)}: ${n.message}`,
    cardsV2: [
      {
        cardId: `siskin-${n.canary.namespace}-${n.canary.name}`,
        card: {
          header: { title: canaryRef(n), subtitle: n.message },
          sections: [
            {
              widgets: facts(n).map((f) => ({
                decoratedText: { topLabel: f.title, text: f.value },
              })),
            },
          ],
        },
      },
    ],
  };
}

/** Any JSON endpoint: the notification itself, field for field. */
function genericPayload(n: Notification) {
  return {
    name: n.canary.name,
    namespace: n.canary.namespace,
    target: n.target,
    cluster: n.cluster,
    kind: n.kind,
    severity: n.severity,
    phase: n.phase,
    weight: n.weight,
    message: n.message,
    ...(n.reason ? { reason: n.reason } : {}),
    ...(n.link ? { link: n.link } : {}),
  };
}

export const formats = {
  slack: slackPayload,
  msteams: msteamsPayload,
  discord: discordPayload,
  rocket: rocketPayload,
  gchat: gchatPayload,
  generic: genericPayload,
} satisfies Record<
  AlertProviderSpec["type"],
  (n: Notification, o: FormatOptions) => object
>;
