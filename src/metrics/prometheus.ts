// Prometheus: GET <address>/api/v1/query. A vector's first sample is the value; an empty vector or NaN
// is "no data"; any other result type, a 4xx/5xx answer or no answer is an error that says which.
import { Agent } from "node:https";
import { boundedCalls, lazyAxiosInstance } from "../util/axios.ts";
import { withoutUserinfo } from "../util/urls.ts";
import { redirected, unreachable } from "./http-answers.ts";
import { SiskinError } from "../util/errors.ts";
import type { MetricProvider } from "./types.ts";

export interface PrometheusOptions {
  address: string;
  timeoutMs?: number;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers?: Record<string, string>;
  /** Accept any TLS certificate (the MetricTemplate's insecureSkipVerify). */
  insecureSkipVerify?: boolean;
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: { value?: [number, string] }[] };
}

export function prometheusProvider(options: PrometheusOptions): MetricProvider {
  const http = lazyAxiosInstance({
    baseURL: options.address.replace(/\/+$/, ""),
    timeout: options.timeoutMs ?? 5000,
    headers: {
      ...options.headers,
      ...(options.bearerToken
        ? { Authorization: `Bearer ${options.bearerToken}` }
        : {}),
    },
    ...(options.basicAuth ? { auth: options.basicAuth } : {}),
    validateStatus: () => true,
    ...boundedCalls,
    ...(options.insecureSkipVerify
      ? { httpsAgent: new Agent({ rejectUnauthorized: false }) }
      : {}),
  });
  return {
    async query(query, signal) {
      const client = await http();
      let response;
      try {
        response = await client.get<QueryResponse>("/api/v1/query", {
          params: { query },
          signal,
        });
      } catch (error) {
        throw unreachable("Prometheus", options.address, error);
      }
      const moved = redirected(
        "Prometheus",
        options.address,
        response.status,
        response.headers.location,
      );
      if (moved) throw moved;
      const body = response.data;
      if (response.status === 401 || response.status === 403) {
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Prometheus at ${withoutUserinfo(options.address)} refused the credentials (HTTP ${response.status})`,
        );
      }
      if (response.status >= 400 || body?.status !== "success") {
        const detail = body?.error ?? `HTTP ${response.status}`;
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Prometheus rejected the query (HTTP ${response.status}): ${detail}`,
        );
      }
      const data = body.data;
      if (data?.resultType !== "vector") {
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Prometheus returned a ${data?.resultType ?? "missing"} result; the query must return a single-value vector`,
        );
      }
      const raw = data.result[0]?.value?.[1];
      if (raw === undefined) return undefined;
      const value = Number(raw);
      return Number.isNaN(value) ? undefined : value;
    },
    async isOnline(signal) {
      try {
        const response = await (
          await http()
        ).get<QueryResponse>("/api/v1/query", {
          params: { query: "vector(1)" },
          signal,
        });
        return response.status === 200 && response.data?.status === "success";
      } catch {
        return false;
      }
    },
  };
}
