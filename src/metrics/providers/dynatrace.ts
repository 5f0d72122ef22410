// Dynatrace metrics API v2, as Flagger calls it: GET <address>/api/v2/metrics/query with the query as
// metricSelector, resolution=Inf over the last 10 x interval, and "Authorization: Api-Token <token>".
// The value is the first value of the last series of the first result; none is "no data".
import { finiteOrNoData, httpCall, jsonAnswer } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export interface DynatraceOptions {
  address: string;
  token: string;
  intervalMs: number;
  timeoutMs: number;
  now?: () => Date;
}

interface Answer {
  result?: { data?: { values?: (number | null)[] }[] }[];
}

export function dynatraceProvider(options: DynatraceOptions): MetricProvider {
  const address = options.address.replace(/\/+$/, "");
  const now = options.now ?? (() => new Date());
  const headers = {
    Authorization: `Api-Token ${options.token}`,
    Accept: "application/json",
  };
  return {
    async query(query, signal) {
      const to = now().getTime();
      const text = await httpCall({
        provider: "Dynatrace",
        address,
        url: `${address}/api/v2/metrics/query`,
        params: {
          metricSelector: query,
          resolution: "Inf",
          from: String(to - 10 * options.intervalMs),
          to: String(to),
        },
        headers,
        timeoutMs: options.timeoutMs,
        signal,
      });
      const data =
        jsonAnswer<Answer>("Dynatrace", text).result?.[0]?.data ?? [];
      return finiteOrNoData(data[data.length - 1]?.values?.[0]);
    },
    async isOnline(signal) {
      try {
        await httpCall({
          provider: "Dynatrace",
          address,
          url: `${address}/api/v2/metrics`,
          params: { pageSize: "1" },
          headers,
          timeoutMs: options.timeoutMs,
          signal,
        });
        return true;
      } catch {
        return false;
      }
    },
  };
}
