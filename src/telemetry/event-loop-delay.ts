// The event loop delay gauges dashboards for Node.js services read (nodejs_eventloop_lag_*_seconds), net of
// the sampling period. Node's monitorEventLoopDelay records the whole time between two ticks of its timer,
// so with the 1 s period the operator samples at (to stay asleep when idle) an idle process would report
// 1 s of delay and trip every "event loop lag" alert. prom-client's gauges carry that raw figure; these
// replace them under the same names with what the loop was actually late by.
import { monitorEventLoopDelay, type ELDHistogram } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

/** The histogram figures the gauges are made of (a subset of Node's ELDHistogram). */
export type DelaySamples = Pick<
  ELDHistogram,
  "count" | "min" | "max" | "mean" | "stddev" | "percentile"
>;

const gauges = [
  ["nodejs_eventloop_lag_min_seconds", "The minimum event loop delay"],
  ["nodejs_eventloop_lag_max_seconds", "The maximum event loop delay"],
  ["nodejs_eventloop_lag_mean_seconds", "The mean event loop delay"],
  ["nodejs_eventloop_lag_stddev_seconds", "The standard deviation"],
  ["nodejs_eventloop_lag_p50_seconds", "The 50th percentile"],
  ["nodejs_eventloop_lag_p90_seconds", "The 90th percentile"],
  ["nodejs_eventloop_lag_p99_seconds", "The 99th percentile"],
] as const;

export type DelayName = (typeof gauges)[number][0];

/**
 * Seconds each gauge reports for these samples: how late the timer fired beyond its period (never below
 * zero); the spread is unchanged. Undefined when nothing was sampled since the last scrape.
 */
export function netDelays(
  samples: DelaySamples,
  periodMs: number,
): Record<DelayName, number> | undefined {
  if (samples.count === 0) return undefined;
  const period = periodMs * 1e6;
  const late = (ns: number) => Math.max(0, ns - period) / 1e9;
  return {
    nodejs_eventloop_lag_min_seconds: late(samples.min),
    nodejs_eventloop_lag_max_seconds: late(samples.max),
    nodejs_eventloop_lag_mean_seconds: late(samples.mean),
    nodejs_eventloop_lag_stddev_seconds: samples.stddev / 1e9,
    nodejs_eventloop_lag_p50_seconds: late(samples.percentile(50)),
    nodejs_eventloop_lag_p90_seconds: late(samples.percentile(90)),
    nodejs_eventloop_lag_p99_seconds: late(samples.percentile(99)),
  };
}

/**
 * Replaces the registry's nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds (prom-client's
 * default metrics, if registered) with gauges net of the period, from a histogram sampled every periodMs
 * and reset at each scrape.
 */
export function registerEventLoopDelay(
  registry: Registry,
  periodMs: number,
  histogram: DelaySamples & { reset(): void } = startHistogram(periodMs),
): void {
  for (const [name] of gauges) registry.removeSingleMetric(name);
  const made = new Map<DelayName, Gauge>();
  // The first gauge's collect sets them all, since it is scraped before the others.
  const collectAll = () => {
    const values = netDelays(histogram, periodMs);
    if (!values) return;
    for (const [name, gauge] of made) gauge.set(values[name]);
    histogram.reset();
  };
  for (const [name, help] of gauges)
    made.set(
      name,
      new Gauge({
        name,
        help: `${help} in seconds beyond the ${periodMs} ms sampling period`,
        registers: [registry],
        ...(made.size === 0 ? { collect: collectAll } : {}),
      }),
    );
}

function startHistogram(periodMs: number): ELDHistogram {
  const histogram = monitorEventLoopDelay({ resolution: periodMs });
  histogram.enable();
  return histogram;
}
