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

/**
 * A destination that did not take the message. `answer` is what it said, when it said something a
 * metric may carry: Slack's error code ("channel_not_found", "invalid_auth"), or "http_<status>".
 */
export class NotifierRejected extends SiskinError {
  readonly answer: string;
  constructor(type: string, answer: string, detail: string) {
    super("NOTIFIER", `${type} did not accept the message${detail}`, {
      retriable: true,
    });
    this.answer = answer;
  }
}

function rejected(type: string, status?: number): NotifierRejected {
  return new NotifierRejected(
    type,
    status ? `http_${status}` : "unreachable",
    status ? ` (HTTP ${status})` : "",
  );
}

/** Slack's error codes are short snake_case words; anything else is not put into a label. */
const slackErrorCode = (value: unknown): string =>
  typeof value === "string" && /^[a-z_]{1,40}$/.test(value) ? value : "other";

/** Slack answers HTTP 200 with {"ok":false,"error":"..."} for a refused message: that is a failure. */
function slackAnswer(text: string): NotifierRejected | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined; // an incoming webhook answers the plain text "ok"
  }
  if (typeof body !== "object" || body === null) return undefined;
  const answer = body as { ok?: unknown; error?: unknown };
  if (answer.ok !== false) return undefined;
  const code = slackErrorCode(answer.error);
  return new NotifierRejected("Slack", code, `: ${code}`);
}

/** One JSON POST with every outside call's bounds; returns the status and the answer's text. */
async function postJson(
  address: string,
  payload: unknown,
  proxy: AxiosProxyConfig | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const axios = await loadAxios();
  const response = await axios.post(address, payload, {
    timeout: timeoutMs,
    validateStatus: () => true,
    responseType: "text",
    ...boundedCalls,
    ...(proxy ? { proxy } : {}),
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
  return { status: response.status, text: String(response.data ?? "") };
}

export function notifierFor(d: Destination): Notifier {
  const options = {
    username: d.username ?? "siskin",
    ...(d.channel ? { channel: d.channel } : {}),
  };
  const proxy = proxyConfig(d.proxy);
  if (d.type === "slack" && d.token) {
    // A bot token (the Secret's token key, as Flagger): Slack's Web API, chat.postMessage at the
    // address, channel from the AlertProvider (Flagger's default "general" when it names none).
    const token = d.token;
    const channelOptions = { ...options, channel: d.channel ?? "general" };
    return {
      async post(n: Notification) {
        let answer;
        try {
          answer = await postJson(
            d.address,
            slackPayload(n, channelOptions),
            proxy,
            {
              Authorization: `Bearer ${token}`,
            },
          );
        } catch {
          throw rejected("Slack");
        }
        if (answer.status < 200 || answer.status >= 300)
          throw rejected("Slack", answer.status);
        const refused = slackAnswer(answer.text);
        if (refused) throw refused;
      },
    };
  }
  if (d.type === "slack") {
    const webhook = new IncomingWebhook(d.address, {
      timeout: timeoutMs,
      fetch: boundedFetch(proxy),
    });
    return {
      async post(n: Notification) {
        let result;
        try {
          result = await webhook.send(slackPayload(n, options));
        } catch (error) {
          // IncomingWebhookHTTPError carries statusCode (wrapped once more when it was not retried).
          const e = error as {
            statusCode?: number;
            originalError?: { statusCode?: number };
          };
          const status = e.statusCode ?? e.originalError?.statusCode;
          throw rejected("Slack", status);
        }
        const refused = slackAnswer(result.text ?? "");
        if (refused) throw refused;
      },
    };
  }
  // Discord's Slack-compatible address (".../slack", which Flagger uses) takes Slack's payload;
  // a plain Discord webhook address gets Discord's own.
  const build =
    d.type === "discord" && /\/slack\/?([?#].*)?$/.test(d.address)
      ? slackPayload
      : formats[d.type];
  return {
    async post(n: Notification) {
      let status: number;
      try {
        ({ status } = await postJson(d.address, build(n, options), proxy, {
          ...(d.token ? { Authorization: `Bearer ${d.token}` } : {}),
        }));
      } catch {
        throw rejected(d.type);
      }
      if (status < 200 || status >= 300) throw rejected(d.type, status);
    },
  };
}
