// Calls a Canary's webhooks: POST JSON {name, namespace, phase, checksum, metadata}. Success is any
// 2xx (Flagger rejects 204); a failure carries the status code and the start of the response body,
// which end up in the Event and the Canary's status, so keep them short and printable.
import { Agent } from "node:https";
import type { Readable } from "node:stream";
import { specBounds } from "../api/bounds.ts";
import { loadAxios } from "../util/axios.ts";
import type { CanaryWebhook, WebhookType } from "../api/canary.ts";
import type { HookResult } from "../analysis/types.ts";
import { hookType } from "../analysis/hooks.ts";
import { backoffDelay, sleep } from "../util/backoff.ts";
import { systemClock, type Clock } from "../util/clock.ts";
import { parseDuration } from "../util/durations.ts";
import { errorMessage } from "../util/errors.ts";

const defaultHookTimeoutMs = 10_000;
/** Retries wait 1 s, then 2 s, ... (with jitter), on the injected clock. */
const retryPolicy = { baseMs: 1000, maxMs: 10_000, jitter: 0.2 };
const maxBodyChars = 300;
/** disableTLS: an https hook whose certificate is not checked (one agent, shared). */
const uncheckedTls = new Agent({ rejectUnauthorized: false });
/** What is read of an answer: enough for the summary; the rest is never received. */
const maxBodyBytes = 4096;

export interface HookPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata?: Record<string, string>;
}

function summarize(body: unknown): string {
  const text = (typeof body === "string" ? body : JSON.stringify(body ?? ""))
    .replace(/\s+/g, " ")
    .trim();
  return text.length > maxBodyChars
    ? `${text.slice(0, maxBodyChars)}...`
    : text;
}

/** The first `limit` bytes of a stream, then the stream is closed: a large answer is never buffered. */
function readStart(stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.destroy();
      resolve(Buffer.concat(chunks).subarray(0, limit).toString("utf8"));
    };
    stream.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) done();
    });
    stream.on("end", done);
    stream.on("error", done);
  });
}

async function attempt(
  hook: CanaryWebhook,
  payload: HookPayload,
  timeoutMs: number,
): Promise<Omit<HookResult, "name" | "type">> {
  const axios = await loadAxios();
  try {
    const response = await axios.post<Readable>(hook.url, payload, {
      timeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      validateStatus: () => true,
      responseType: "stream",
      maxRedirects: 0,
      headers: { "Content-Type": "application/json" },
      ...(hook.disableTLS ? { httpsAgent: uncheckedTls } : {}),
    });
    const body = summarize(await readStart(response.data, maxBodyBytes));
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      message: `HTTP ${response.status}${body ? `: ${body}` : ""}`,
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const timedOut =
      code === "ECONNABORTED" ||
      code === "ERR_CANCELED" ||
      (error as Error).name === "CanceledError";
    return {
      ok: false,
      message: timedOut
        ? `no answer within ${timeoutMs / 1000}s`
        : errorMessage(error),
    };
  }
}

/** One hook, with its timeout and retries (a 4xx is an answer, not retried; errors and 5xx are). */
export async function callWebhook(
  hook: CanaryWebhook,
  payload: HookPayload,
  clock: Clock = systemClock,
): Promise<HookResult> {
  // Resolve refuses more than the bound; the cap here keeps an older object from overflowing a timer.
  const timeoutMs = Math.min(
    (hook.timeout ? parseDuration(hook.timeout) : undefined) ??
      defaultHookTimeoutMs,
    specBounds.hookTimeoutMs,
  );
  const tries = 1 + (hook.retries ?? 0);
  let result: Omit<HookResult, "name" | "type"> = { ok: false, message: "" };
  for (let i = 0; i < tries; i++) {
    if (i > 0) await sleep(clock, backoffDelay(i, retryPolicy));
    result = await attempt(
      hook,
      { ...payload, metadata: { ...hook.metadata, ...payload.metadata } },
      timeoutMs,
    );
    const answered = result.statusCode !== undefined && result.statusCode < 500;
    if (result.ok || answered) break;
  }
  return { name: hook.name, type: hookType(hook), ...result };
}

/** Every hook of the given types, one after another in the Canary's order. */
export async function callWebhooks(
  hooks: readonly CanaryWebhook[],
  types: readonly WebhookType[],
  payload: HookPayload,
  clock: Clock = systemClock,
): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const hook of hooks) {
    if (!types.includes(hookType(hook))) continue;
    results.push(await callWebhook(hook, payload, clock));
  }
  return results;
}
