// New Relic Insights query API, as Flagger calls it: GET <address>/v1/accounts/<account id>/query with
// the NRQL query plus "SINCE <interval> seconds ago" and the X-Query-Key header. The value is
// results[0].result (write the query with "AS result"); no result or a null one is "no data".
import { SiskinError } from "../../util/errors.ts";
import { finiteOrNoData, httpCall, jsonAnswer } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export const newRelicDefaultAddress = "https://insights-api.newrelic.com";

export interface NewRelicOptions {
  address?: string;
  accountId: string;
  queryKey: string;
  intervalMs: number;
  timeoutMs: number;
}

interface Answer {
  results?: { result?: number | null }[];
}

export function newRelicProvider(options: NewRelicOptions): MetricProvider {
  if (!/^\d+$/.test(options.accountId))
    throw new SiskinError(
      "CONFIG",
      `New Relic account id "${options.accountId}" is not a number; set newrelic_account_id in the Secret`,
    );
  const address = (options.address ?? newRelicDefaultAddress).replace(
    /\/+$/,
    "",
  );
  const run = (nrql: string, signal: AbortSignal) =>
    httpCall({
      provider: "New Relic",
      address,
      url: `${address}/v1/accounts/${options.accountId}/query`,
      params: { nrql },
      headers: { "X-Query-Key": options.queryKey, Accept: "application/json" },
      timeoutMs: options.timeoutMs,
      signal,
    });
  return {
    async query(query, signal) {
      const seconds = Math.max(1, Math.round(options.intervalMs / 1000));
      const text = await run(`${query} SINCE ${seconds} seconds ago`, signal);
      const answer = jsonAnswer<Answer>("New Relic", text);
      if ((answer.results?.length ?? 0) > 1)
        throw new SiskinError(
          "PROVIDER_QUERY",
          `New Relic returned ${answer.results?.length} results; the query must return one (SELECT ... AS result)`,
        );
      return finiteOrNoData(answer.results?.[0]?.result);
    },
    async isOnline(signal) {
      try {
        await run("SELECT count(*) FROM Metric SINCE 1 minute ago", signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
