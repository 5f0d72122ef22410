// The operator's own account of a busy phase, from its /metrics before and after: how long keys waited in
// the work queue, how long a reconcile took, how long API requests took and waited in the client rate
// limiter. Read beside the audit log's split, it says which part of the operator a step's time is in.
import {
  hasLabels,
  parseMetrics,
  sumMetric,
} from "../../dev/services/metrics-text.ts";

export { parseMetrics };

export interface HistogramDelta {
  count: number;
  meanMs: number;
  /** The upper bound of the bucket holding the quantile (ms); Infinity past the last bucket. */
  p50Ms: number;
  p99Ms: number;
}

/** The observations of a histogram between two scrapes (the series carrying all of `labels`, summed). */
export function histogramDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): HistogramDelta {
  const buckets = new Map<number, number>();
  for (const [series, value] of after) {
    if (!series.startsWith(`${name}_bucket{`) || !hasLabels(series, labels))
      continue;
    const le = /le="([^"]+)"/.exec(series)?.[1] ?? "+Inf";
    const bound = le === "+Inf" ? Infinity : Number(le);
    const delta = value - (before.get(series) ?? 0);
    buckets.set(bound, (buckets.get(bound) ?? 0) + delta);
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  const quantile = (q: number) => {
    const rank = q * count;
    const hit = sorted.find(([, cumulative]) => cumulative >= rank);
    return (hit?.[0] ?? Infinity) * 1000;
  };
  const seconds =
    sumMetric(after, `${name}_sum`, labels) -
    sumMetric(before, `${name}_sum`, labels);
  return {
    count,
    meanMs: count > 0 ? (seconds * 1000) / count : Number.NaN,
    p50Ms: count > 0 ? quantile(0.5) : Number.NaN,
    p99Ms: count > 0 ? quantile(0.99) : Number.NaN,
  };
}

export interface OperatorBusyMetrics {
  queueWait: HistogramDelta;
  reconcile: HistogramDelta;
  patchLatency: HistogramDelta;
  requests: number;
  /** Seconds all requests together waited in the client rate limiter, and per request. */
  limiterWaitSeconds: number;
  limiterWaitPerRequestMs: number;
  /**
   * Event loop delay since the scrape before (reset at each scrape), as the operator exports it: net of
   * its 1 s sampling period (src/telemetry/event-loop-delay.ts).
   */
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

export function operatorBusyMetrics(
  beforeText: string,
  afterText: string,
): OperatorBusyMetrics {
  const before = parseMetrics(beforeText);
  const after = parseMetrics(afterText);
  const requests =
    sumMetric(after, "rest_client_requests_total") -
    sumMetric(before, "rest_client_requests_total");
  const waited =
    sumMetric(after, "siskin_rest_client_rate_limiter_wait_seconds", {
      client: "shared",
    }) -
    sumMetric(before, "siskin_rest_client_rate_limiter_wait_seconds", {
      client: "shared",
    });
  return {
    queueWait: histogramDelta(
      before,
      after,
      "workqueue_queue_duration_seconds",
    ),
    reconcile: histogramDelta(before, after, "workqueue_work_duration_seconds"),
    patchLatency: histogramDelta(
      before,
      after,
      "rest_client_request_duration_seconds",
      { verb: "PATCH" },
    ),
    requests,
    limiterWaitSeconds: waited,
    limiterWaitPerRequestMs: requests > 0 ? (waited * 1000) / requests : 0,
    eventLoopLagP99Ms:
      sumMetric(after, "nodejs_eventloop_lag_p99_seconds") * 1000,
    eventLoopLagMaxMs:
      sumMetric(after, "nodejs_eventloop_lag_max_seconds") * 1000,
  };
}
