// Notifiers: one per alert destination. Slack goes through @slack/webhook; the others are a JSON POST of
// the tool's native payload (src/notify/formats.ts). Addresses and tokens are secrets: never logged and
// never put into error messages.
import { IncomingWebhook, type FetchFunction } from "@slack/webhook";
import type { AxiosProxyConfig } from "axios";
import { boundedCalls, loadAxios } from "../util/axios.ts";
import type { AlertProviderSpec } from "../api/templates.ts";
import { SiskinError } from "../util/errors.ts";
import { formats, slackPayload } from "./formats.ts";
import type { Notification, Notifier, Severity } from "./types.ts";

export interface Destination {
  type: AlertProviderSpec["type"];
  address: string;
  channel?: string;
  username?: string;
  proxy?: string;
  /** Sent as a bearer token to generic webhooks. */
  token?: string;
}

const timeoutMs = 5000;
const severityRank: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/** An alert of severity info gets everything, warn gets warn and error, error gets errors only. */
export function severityAccepts(
  alertSeverity: Severity | undefined,
  notification: Severity,
): boolean {
  return severityRank[notification] >= severityRank[alertSeverity ?? "info"];
}

function proxyConfig(proxy: string | undefined): AxiosProxyConfig | undefined {
  if (!proxy) return undefined;
  const url = new URL(proxy);
  return {
    protocol: url.protocol.replace(":", ""),
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    ...(url.username
      ? {
          auth: {
            username: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          },
        }
      : {}),
  };
}

/**
 * @slack/webhook takes a fetch function; this one uses axios with the bounds every outside call has
 * (1 MiB answers, no redirects), through the proxy when there is one.
 */
function boundedFetch(proxy: AxiosProxyConfig | undefined): FetchFunction {
  return async (url, init) => {
    const axios = await loadAxios();
    const response = await axios.request({
      url: String(url),
      method: init?.method ?? "POST",
      headers: init?.headers ?? {},
      data: init?.body,
      ...(proxy ? { proxy } : {}),
      timeout: timeoutMs,
      responseType: "text",
      validateStatus: () => true,
      ...boundedCalls,
    });
    const text = String(response.data ?? "");
    return {
      ok: response.status >= 200 && response.status < 300,
      status: response.status,
      statusText: response.statusText,
      url: String(url),
      headers: new Headers(response.headers as Record<string, string>),
      arrayBuffer: async () => new TextEncoder().encode(text).buffer,
      json: async () => JSON.parse(text) as unknown,
      text: async () => text,
    };
  };
}

function rejected(type: string, status?: number): SiskinError {
  return new SiskinError(
    "NOTIFIER",
    `${type} did not accept the message${status ? ` (HTTP ${status})` : ""}`,
    { retriable: true },
  );
}

export function notifierFor(d: Destination): Notifier {
  const options = {
    username: d.username ?? "siskin",
    ...(d.channel ? { channel: d.channel } : {}),
  };
  const proxy = proxyConfig(d.proxy);
  if (d.type === "slack") {
    const webhook = new IncomingWebhook(d.address, {
      timeout: timeoutMs,
      fetch: boundedFetch(proxy),
    });
    return {
      async post(n: Notification) {
        try {
          await webhook.send(slackPayload(n, options));
        } catch (error) {
          // IncomingWebhookHTTPError carries statusCode (wrapped once more when it was not retried).
          const e = error as {
            statusCode?: number;
            originalError?: { statusCode?: number };
          };
          const status = e.statusCode ?? e.originalError?.statusCode;
          throw rejected("Slack", status);
        }
      },
    };
  }
  const build = formats[d.type];
  return {
    async post(n: Notification) {
      let status: number | undefined;
      const axios = await loadAxios();
      try {
        const response = await axios.post(d.address, build(n, options), {
          timeout: timeoutMs,
          validateStatus: () => true,
          ...boundedCalls,
          ...(proxy ? { proxy } : {}),
          headers: {
            "Content-Type": "application/json",
            ...(d.token ? { Authorization: `Bearer ${d.token}` } : {}),
          },
        });
        status = response.status;
      } catch {
        throw rejected(d.type);
      }
      if (status < 200 || status >= 300) throw rejected(d.type, status);
    },
  };
}
