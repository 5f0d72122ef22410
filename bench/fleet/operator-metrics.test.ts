import { describe, expect, it } from "vitest";
import {
  histogramDelta,
  operatorBusyMetrics,
  parseMetrics,
} from "./operator-metrics.ts";

const scrape = (
  counts: number[],
  sum: number,
  waited: number,
  requests: number,
) =>
  [
    "# HELP workqueue_queue_duration_seconds x",
    ...[0.01, 0.1, 1].map(
      (le, i) =>
        `workqueue_queue_duration_seconds_bucket{le="${le}",name="canary"} ${counts[i]}`,
    ),
    `workqueue_queue_duration_seconds_bucket{le="+Inf",name="canary"} ${counts[3]}`,
    `workqueue_queue_duration_seconds_sum{name="canary"} ${sum}`,
    `workqueue_queue_duration_seconds_count{name="canary"} ${counts[3]}`,
    `siskin_rest_client_rate_limiter_wait_seconds{client="shared"} ${waited}`,
    `siskin_rest_client_rate_limiter_wait_seconds{client="lease"} 99`,
    `rest_client_requests_total{verb="PATCH",resource="canaries",code="200"} ${requests}`,
    `nodejs_eventloop_lag_p99_seconds ${waited / 100}`,
  ].join("\n");

describe("the operator's busy-phase metrics", () => {
  it("takes quantiles of what was observed between two scrapes", () => {
    const before = parseMetrics(scrape([10, 10, 10, 10], 0.05, 1, 100));
    // 100 more: 50 under 10 ms, 49 more under 100 ms, 1 over 1 s
    const after = parseMetrics(scrape([60, 109, 109, 110], 3.05, 5, 500));
    expect(
      histogramDelta(before, after, "workqueue_queue_duration_seconds"),
    ).toEqual({ count: 100, meanMs: 30, p50Ms: 10, p99Ms: 100 });
  });

  it("counts the shared client's rate limiter wait per request", () => {
    const m = operatorBusyMetrics(
      scrape([0, 0, 0, 0], 0, 1, 100),
      scrape([0, 0, 0, 0], 0, 5, 500),
    );
    expect(m.requests).toBe(400);
    expect(m.limiterWaitSeconds).toBe(4);
    expect(m.limiterWaitPerRequestMs).toBe(10);
    // the later scrape's value
    expect(m.eventLoopLagP99Ms).toBeCloseTo(50, 6);
    expect(m.queueWait.count).toBe(0);
  });
});
