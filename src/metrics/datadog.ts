// Datadog: GET <address>/api/v1/query over the last 10 x interval, with the API and application keys
// as headers. The value is the last point of the first series; no series or a null point is "no data".
import { boundedCalls, lazyAxiosInstance } from "../util/axios.ts";
import { withoutUserinfo } from "../util/urls.ts";
import { redirected, unreachable } from "./http-answers.ts";
import { SiskinError } from "../util/errors.ts";
import type { MetricProvider } from "./types.ts";

export const datadogDefaultAddress = "https://api.datadoghq.com";

export interface DatadogOptions {
  address?: string;
  apiKey: string;
  applicationKey: string;
  /** The window queried ends now and starts 10 x interval ago, as Flagger does. */
  intervalMs: number;
  timeoutMs?: number;
  now?: () => Date;
}

interface QueryResponse {
  status?: string;
  error?: string;
  errors?: string[];
  series?: { pointlist?: [number, number | null][] }[];
}

export function datadogProvider(options: DatadogOptions): MetricProvider {
  const address = (options.address ?? datadogDefaultAddress).replace(
    /\/+$/,
    "",
  );
  const http = lazyAxiosInstance({
    baseURL: address,
    timeout: options.timeoutMs ?? 5000,
    headers: {
      "DD-API-KEY": options.apiKey,
      "DD-APPLICATION-KEY": options.applicationKey,
    },
    validateStatus: () => true,
    ...boundedCalls,
  });
  const now = options.now ?? (() => new Date());
  return {
    async query(query, signal) {
      const to = Math.floor(now().getTime() / 1000);
      const from = to - Math.floor((10 * options.intervalMs) / 1000);
      const client = await http();
      let response;
      try {
        response = await client.get<QueryResponse>("/api/v1/query", {
          params: { query, from, to },
          signal,
        });
      } catch (error) {
        throw unreachable("Datadog", address, error);
      }
      const moved = redirected(
        "Datadog",
        address,
        response.status,
        response.headers.location,
      );
      if (moved) throw moved;
      if (response.status === 401 || response.status === 403) {
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Datadog at ${withoutUserinfo(address)} refused the API/application keys (HTTP ${response.status})`,
        );
      }
      const body = response.data;
      if (response.status >= 400 || body?.status === "error") {
        const detail =
          body?.error ?? body?.errors?.join("; ") ?? `HTTP ${response.status}`;
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Datadog rejected the query (HTTP ${response.status}): ${detail}`,
        );
      }
      const points = body?.series?.[0]?.pointlist ?? [];
      const last = points[points.length - 1];
      return last?.[1] === null || last === undefined ? undefined : last[1];
    },
    async isOnline(signal) {
      try {
        const response = await (
          await http()
        ).get<{ valid?: boolean }>("/api/v1/validate", { signal });
        return response.status === 200 && response.data?.valid === true;
      } catch {
        return false;
      }
    },
  };
}
