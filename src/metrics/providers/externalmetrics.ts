// The Kubernetes External Metrics API (external.metrics.k8s.io/v1beta1: KEDA's, Datadog's or any
// metrics adapter's), as Flagger reads it. The query is "<namespace>/<metric>?labelSelector=<selector>"
// (namespace "default" when left out); the value is the first item's quantity; no item is "no data".
// Without an address the operator's own API server answers (the chart grants get on the metric names
// listed in externalMetrics.metrics); with one, that server, with the Secret's token.
import { SiskinError } from "../../util/errors.ts";
import { finiteOrNoData, httpCall, jsonAnswer } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

/** GET on the operator's API server (its KubeClient), returning the parsed body. */
export type KubeGet = (
  path: string,
  query: Record<string, string>,
  signal: AbortSignal,
) => Promise<unknown>;

export interface ExternalMetricsOptions {
  /** A server of the API other than the operator's API server. */
  address?: string;
  token?: string;
  insecureSkipVerify: boolean;
  kube?: KubeGet;
  timeoutMs: number;
}

interface ValueList {
  items?: { metricName?: string; value?: string }[];
}

/** "<namespace>/<metric>?labelSelector=..." as Flagger parses it. */
export function parseExternalQuery(query: string): {
  namespace: string;
  metric: string;
  labelSelector?: string;
} {
  const [path = "", search = ""] = query.trim().split("?", 2);
  const parts = path.replace(/^\/+/, "").split("/");
  if (parts.length > 2)
    throw new SiskinError(
      "CONFIG",
      `external metrics query "${query}": too many slashes; write <namespace>/<metric>?labelSelector=<selector>`,
    );
  const metric = parts.at(-1) ?? "";
  const namespace = (parts.length === 2 ? parts[0] : "") || "default";
  if (!metric)
    throw new SiskinError(
      "CONFIG",
      `external metrics query "${query}": the metric name is empty; write <namespace>/<metric>?labelSelector=<selector>`,
    );
  const labelSelector = new URLSearchParams(search).get("labelSelector");
  return { namespace, metric, ...(labelSelector ? { labelSelector } : {}) };
}

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("1500m", "2k", "1.5Gi", "1e3") as a number. */
export function parseQuantity(text: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const factor = suffixes[match[2] ?? ""];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

export function externalMetricsProvider(
  options: ExternalMetricsOptions,
): MetricProvider {
  const get = async (
    path: string,
    query: Record<string, string>,
    signal: AbortSignal,
  ): Promise<ValueList> => {
    if (!options.address) {
      if (!options.kube)
        throw new SiskinError(
          "CONFIG",
          "external metrics: no API server to ask",
        );
      return (await options.kube(path, query, signal)) as ValueList;
    }
    const address = options.address.replace(/\/+$/, "");
    const text = await httpCall({
      provider: "The external metrics API",
      address,
      url: `${address}${path}`,
      params: query,
      headers: {
        Accept: "application/json",
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      insecureSkipVerify: options.insecureSkipVerify,
      timeoutMs: options.timeoutMs,
      signal,
    });
    return jsonAnswer<ValueList>("The external metrics API", text);
  };
  const pathOf = (namespace: string, metric: string) =>
    `/apis/external.metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/${encodeURIComponent(metric)}`;
  return {
    async query(query, signal) {
      const q = parseExternalQuery(query);
      const list = await get(
        pathOf(q.namespace, q.metric),
        q.labelSelector ? { labelSelector: q.labelSelector } : {},
        signal,
      );
      const raw = list.items?.[0]?.value;
      return raw === undefined ? undefined : finiteOrNoData(parseQuantity(raw));
    },
    async isOnline(signal) {
      try {
        await get("/apis/external.metrics.k8s.io/v1beta1", {}, signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
