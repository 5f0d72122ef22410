// Graphite's render API, as Flagger calls it: GET <address>/render?<query>&format=json, the query being
// render parameters ("target=...&from=-5min"), whitespace folded (and dropped around "&"). The value is the last non-null
// datapoint of any series; none is "no data". Basic auth from the Secret's username and password.
import { finiteOrNoData, httpCall, jsonAnswer } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export interface GraphiteOptions {
  address: string;
  auth?: { username: string; password: string };
  insecureSkipVerify: boolean;
  timeoutMs: number;
}

type Answer = { target?: string; datapoints?: [number | null, number][] }[];

export function graphiteProvider(options: GraphiteOptions): MetricProvider {
  const address = options.address.replace(/\/+$/, "");
  const render = async (query: string, signal: AbortSignal) => {
    const params = Object.fromEntries(
      new URLSearchParams(
        query
          .replace(/\s*&\s*/g, "&")
          .replace(/\s+/g, " ")
          .trim(),
      ),
    );
    const text = await httpCall({
      provider: "Graphite",
      address,
      url: `${address}/render`,
      params: { ...params, format: "json" },
      ...(options.auth ? { auth: options.auth } : {}),
      insecureSkipVerify: options.insecureSkipVerify,
      timeoutMs: options.timeoutMs,
      signal,
    });
    return jsonAnswer<Answer>("Graphite", text);
  };
  return {
    async query(query, signal) {
      let value: number | undefined;
      for (const series of await render(query, signal))
        for (const [point] of series.datapoints ?? [])
          value = finiteOrNoData(point) ?? value;
      return value;
    },
    async isOnline(signal) {
      try {
        await render("target=test", signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
