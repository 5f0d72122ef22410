// One HTTP call to a metrics provider with the bounds every outside call has (1 MiB answers, no
// redirects, the check's timeout), answering with the status and body or a SiskinError worded the
// same way for every provider: unreachable, redirected, credentials refused, query rejected.
import { Agent } from "node:https";
import type { AxiosRequestConfig } from "axios";
import { boundedCalls, loadAxios } from "../util/axios.ts";
import { SiskinError } from "../util/errors.ts";
import { withoutUserinfo } from "../util/urls.ts";
import { redirected, unreachable } from "./http-answers.ts";

export interface HttpCall {
  /** The provider's name in messages ("New Relic"). */
  provider: string;
  /** The configured address (shown without userinfo). */
  address: string;
  url: string;
  method?: "GET" | "POST";
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  auth?: { username: string; password: string };
  insecureSkipVerify?: boolean;
  timeoutMs: number;
  signal: AbortSignal;
}

const uncheckedTls = new Agent({ rejectUnauthorized: false });

/** The answer's text for a 2xx; every other outcome is an error that says which. */
export async function httpCall(call: HttpCall): Promise<string> {
  const axios = await loadAxios();
  const config: AxiosRequestConfig = {
    url: call.url,
    method: call.method ?? "GET",
    timeout: call.timeoutMs,
    signal: call.signal,
    responseType: "text",
    transformResponse: (data: unknown) => data,
    validateStatus: () => true,
    ...boundedCalls,
    ...(call.params ? { params: call.params } : {}),
    ...(call.headers ? { headers: call.headers } : {}),
    ...(call.body !== undefined ? { data: call.body } : {}),
    ...(call.auth ? { auth: call.auth } : {}),
    ...(call.insecureSkipVerify ? { httpsAgent: uncheckedTls } : {}),
  };
  let response;
  try {
    response = await axios.request<string>(config);
  } catch (error) {
    throw unreachable(call.provider, call.address, error);
  }
  const moved = redirected(
    call.provider,
    call.address,
    response.status,
    response.headers.location,
  );
  if (moved) throw moved;
  const text = String(response.data ?? "");
  if (response.status === 401 || response.status === 403)
    throw new SiskinError(
      "PROVIDER_QUERY",
      `${call.provider} at ${withoutUserinfo(call.address)} refused the credentials (HTTP ${response.status})`,
    );
  if (response.status < 200 || response.status >= 300)
    throw new SiskinError(
      "PROVIDER_QUERY",
      `${call.provider} rejected the query (HTTP ${response.status}): ${shortBody(text)}`,
    );
  return text;
}

/** Parses a JSON answer, or says the provider answered something else. */
export function jsonAnswer<T>(provider: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SiskinError(
      "PROVIDER_QUERY",
      `${provider} answered something that is not JSON: ${shortBody(text)}`,
    );
  }
}

export function shortBody(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat || "(empty)";
}

/** A number read from an answer: finite, or "no data" (undefined). */
export function finiteOrNoData(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}
