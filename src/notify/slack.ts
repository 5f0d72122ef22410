// Slack through @slack/webhook: a one-line text (what Slack shows in notifications) and an attachment
// with the details. The webhook URL is a secret: it is never logged or put into error messages.
import { IncomingWebhook } from "@slack/webhook";
import { SiskinError } from "../util/errors.ts";
import type { Notification, Notifier } from "./types.ts";

export interface SlackOptions {
  url: string;
  channel?: string;
  username: string;
}

const colors = { info: "good", warn: "warning", error: "danger" } as const;

export function slackPayload(n: Notification): {
  text: string;
  attachments: Record<string, unknown>[];
} {
  const ref = `${n.canary.name}.${n.canary.namespace}`;
  const fields = [
    {
      title: "Target",
      value: `Deployment/${n.target}.${n.canary.namespace}`,
      short: true,
    },
    ...(n.cluster ? [{ title: "Cluster", value: n.cluster, short: true }] : []),
    ...(n.reason ? [{ title: "Reason", value: n.reason, short: false }] : []),
  ];
  return {
    text: `${ref}: ${n.message}`,
    attachments: [
      {
        color: colors[n.severity],
        author_name: ref,
        text: n.message,
        fields,
        mrkdwn_in: ["text"],
      },
    ],
  };
}

export function slackNotifier(options: SlackOptions): Notifier {
  const webhook = new IncomingWebhook(options.url, {
    username: options.username,
    ...(options.channel ? { channel: options.channel } : {}),
    timeout: 5000,
  });
  return {
    async post(n) {
      try {
        await webhook.send(slackPayload(n));
      } catch (error) {
        const status = (
          error as { original?: { response?: { status?: number } } }
        ).original?.response?.status;
        throw new SiskinError(
          "NOTIFIER",
          `Slack did not accept the message${status ? ` (HTTP ${status})` : ""}`,
          { retriable: true },
        );
      }
    },
  };
}
