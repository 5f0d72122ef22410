// InfluxDB 2 query API (Flux), as Flagger's client calls it: POST <address>/api/v2/query?org=<org>
// with the Flux query as the body (application/vnd.flux), "Authorization: Token <token>", and the
// annotated CSV answer. The value is the first record's _value; no record or an empty one is
// "no data" (Flagger reports 0 for no record: a check then passes on nothing).
import { SiskinError } from "../../util/errors.ts";
import { finiteOrNoData, httpCall } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export interface InfluxDbOptions {
  address: string;
  token?: string;
  org?: string;
  timeoutMs: number;
}

/** The first _value of an annotated CSV answer (comment lines start with #; tables are separated by blank lines). */
export function firstFluxValue(csv: string): string | undefined {
  let columns: string[] | undefined;
  for (const line of csv.split(/\r?\n/)) {
    if (line.trim() === "") {
      columns = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;
    const cells = line.split(",");
    if (!columns) {
      columns = cells;
      continue;
    }
    const at = columns.indexOf("_value");
    if (at < 0)
      throw new SiskinError(
        "PROVIDER_QUERY",
        "InfluxDB answered a table without a _value column; end the query with a single value (for example |> last())",
      );
    return cells[at];
  }
  return undefined;
}

export function influxDbProvider(options: InfluxDbOptions): MetricProvider {
  const address = options.address.replace(/\/+$/, "");
  const run = (flux: string, signal: AbortSignal) =>
    httpCall({
      provider: "InfluxDB",
      address,
      url: `${address}/api/v2/query`,
      method: "POST",
      params: options.org ? { org: options.org } : {},
      headers: {
        "Content-Type": "application/vnd.flux",
        Accept: "application/csv",
        ...(options.token ? { Authorization: `Token ${options.token}` } : {}),
      },
      body: flux,
      timeoutMs: options.timeoutMs,
      signal,
    });
  return {
    async query(query, signal) {
      const raw = firstFluxValue(await run(query, signal));
      return raw === undefined || raw === "" ? undefined : finiteOrNoData(raw);
    },
    async isOnline(signal) {
      try {
        await run("buckets() |> limit(n: 1)", signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
