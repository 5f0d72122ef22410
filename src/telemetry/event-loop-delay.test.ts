import { monitorEventLoopDelay } from "node:perf_hooks";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { netDelays, registerEventLoopDelay } from "./event-loop-delay.ts";
import { RuntimeMetrics } from "./runtime-metrics.ts";

const ms = 1e6;
/** A histogram whose timer (period 1,000 ms) fired at these intervals. */
function samples(intervalsMs: number[]) {
  const sorted = [...intervalsMs].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  let resets = 0;
  return {
    count: sorted.length,
    min: (sorted[0] ?? 0) * ms,
    max: (sorted.at(-1) ?? 0) * ms,
    mean: mean * ms,
    stddev: 5 * ms,
    percentile: (p: number) =>
      (sorted[Math.ceil((p / 100) * sorted.length) - 1] ?? 0) * ms,
    reset: () => void resets++,
    resets: () => resets,
  };
}

async function gauge(registry: Registry, name: string) {
  const json = await registry.getMetricsAsJSON();
  return json.find((m) => m.name === name)?.values[0]?.value;
}

describe("event loop delay net of the sampling period", () => {
  it("reports how late the timer fired, not the period itself", () => {
    const net = netDelays(samples([1000.2, 1001, 1250]), 1000);
    expect(net?.nodejs_eventloop_lag_min_seconds).toBeCloseTo(0.0002, 9);
    expect(net?.nodejs_eventloop_lag_p50_seconds).toBeCloseTo(0.001, 9);
    expect(net?.nodejs_eventloop_lag_max_seconds).toBeCloseTo(0.25, 9);
    expect(net?.nodejs_eventloop_lag_stddev_seconds).toBeCloseTo(0.005, 9);
  });

  it("never reports below zero and reports nothing when nothing was sampled", () => {
    expect(
      netDelays(samples([999.9]), 1000)?.nodejs_eventloop_lag_min_seconds,
    ).toBe(0);
    expect(netDelays(samples([]), 1000)).toBeUndefined();
  });

  it("replaces prom-client's gauges under their names and resets at each scrape", async () => {
    const registry = new Registry();
    const histogram = samples([1000, 1003, 1400]);
    registerEventLoopDelay(registry, 1000, histogram);
    const json = await registry.getMetricsAsJSON();
    const value = (name: string) =>
      json.find((m) => m.name === name)?.values[0]?.value;
    expect(value("nodejs_eventloop_lag_max_seconds")).toBeCloseTo(0.4, 9);
    expect(value("nodejs_eventloop_lag_min_seconds")).toBe(0);
    expect(histogram.resets()).toBe(1);
  });

  it("an idle operator's registry reads milliseconds of delay, not the 1 s period", async () => {
    const registry = new Registry();
    new RuntimeMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(
      names.filter((n) => n === "nodejs_eventloop_lag_p99_seconds"),
    ).toHaveLength(1);
    // Node's timer ticks once a second and a scrape resets the samples: a probe of our own, started with
    // the operator's, says when two ticks have landed, and only then is the registry read.
    const probe = monitorEventLoopDelay({ resolution: 1000 });
    probe.enable();
    const deadline = Date.now() + 10_000;
    while (probe.count < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    probe.disable();
    const p99 = await gauge(registry, "nodejs_eventloop_lag_p99_seconds");
    expect(probe.count).toBeGreaterThanOrEqual(2);
    // Net of the period: a few ms, or 0 when every tick came a hair early (Node times the ticks with
    // hrtime, libuv schedules them from its cached loop time). prom-client's own gauge reads ~1.000 s.
    expect(p99).toBeLessThan(0.5);
  });
});
