// Flagger's series with Flagger 1.44's meaning (pkg/metrics/recorder.go and its scheduler's calls),
// read back from the registry's text exposition as Prometheus would scrape it.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Recorder, type CanaryIdentity } from "./recorder.ts";

const who: CanaryIdentity = {
  canary: { name: "web-canary", namespace: "apps" },
  target: "web",
  strategy: "blueGreen",
  skipAnalysis: false,
  intervalMs: 10_000,
};
const t0 = new Date("2026-12-02T10:00:00Z");
const at = (ms: number) => ({
  startedAt: t0,
  now: new Date(t0.getTime() + ms),
});

async function scrape(recorder: Recorder): Promise<string> {
  return recorder.registry.metrics();
}

describe("Flagger's canary series", () => {
  it("status is 0 only while Progressing, 2 when Failed, 1 otherwise; labelled with the target", async () => {
    const recorder = new Recorder(new Registry());
    const seen: Record<string, string | undefined> = {};
    for (const phase of [
      "Initialized",
      "Waiting",
      "Progressing",
      "WaitingPromotion",
      "Promoting",
      "Finalising",
      "Succeeded",
      "Failed",
    ]) {
      recorder.recordCanary(who, { phase }, { phase }, 1, at(1));
      seen[phase] =
        /flagger_canary_status\{name="web",namespace="apps"\} (\d)/.exec(
          await scrape(recorder),
        )?.[1];
    }
    expect(seen).toEqual({
      Initialized: "1",
      Waiting: "1",
      Progressing: "0",
      WaitingPromotion: "1",
      Promoting: "1",
      Finalising: "1",
      Succeeded: "1",
      Failed: "2",
    });
    expect(await scrape(recorder)).not.toContain('name="web-canary"}');
  });

  it("weights name <target>-primary and <target>", async () => {
    const recorder = new Recorder(new Registry());
    recorder.recordCanary(
      who,
      { phase: "Progressing" },
      { phase: "Progressing", canaryWeight: 30 },
      1,
      at(1),
    );
    const text = await scrape(recorder);
    expect(text).toContain(
      'flagger_canary_weight{workload="web-primary",namespace="apps"} 70',
    );
    expect(text).toContain(
      'flagger_canary_weight{workload="web",namespace="apps"} 30',
    );
  });

  it("the duration is one analysis tick, in DefBuckets, and only while a run is in progress", async () => {
    const recorder = new Recorder(new Registry());
    recorder.recordCanary(
      who,
      { phase: "Progressing" },
      { phase: "Progressing" },
      1,
      at(40),
    );
    recorder.recordCanary(
      who,
      { phase: "Succeeded" },
      { phase: "Succeeded" },
      1,
      at(9000),
    );
    const text = await scrape(recorder);
    expect(text).toContain(
      'flagger_canary_duration_seconds_count{name="web",namespace="apps"} 1',
    );
    expect(text).toContain(
      'flagger_canary_duration_seconds_sum{name="web",namespace="apps"} 0.04',
    );
    expect(text).toContain(
      'flagger_canary_duration_seconds_bucket{le="0.05",name="web",namespace="apps"} 1',
    );
    expect(text).toContain(
      'flagger_canary_duration_seconds_bucket{le="0.025",name="web",namespace="apps"} 0',
    );
  });

  it("counts outcomes once, with the strategy as Flagger spells it and skipped analysis", async () => {
    const recorder = new Recorder(new Registry());
    recorder.recordCanary(
      who,
      { phase: "Promoting" },
      { phase: "Succeeded", canaryRevisionStart: t0.toISOString() },
      1,
      at(120_000),
    );
    recorder.recordCanary(
      who,
      { phase: "Succeeded" },
      { phase: "Succeeded" },
      1,
      at(121_000),
    );
    recorder.recordCanary(
      { ...who, strategy: "canary", skipAnalysis: true },
      { phase: "Progressing" },
      { phase: "Succeeded" },
      1,
      at(1),
    );
    recorder.recordCanary(
      { ...who, strategy: "abTesting" },
      { phase: "Progressing" },
      { phase: "Failed" },
      1,
      at(1),
    );
    const text = await scrape(recorder);
    expect(text).toContain(
      'flagger_canary_successes_total{name="web",namespace="apps",deployment_strategy="blue-green",analysis_status="completed"} 1',
    );
    expect(text).toContain(
      'flagger_canary_successes_total{name="web",namespace="apps",deployment_strategy="canary",analysis_status="skipped"} 1',
    );
    expect(text).toContain(
      'flagger_canary_failures_total{name="web",namespace="apps",deployment_strategy="ab-testing",analysis_status="completed"} 1',
    );
    expect(text).toContain(
      'siskin_canary_run_duration_seconds_sum{name="web-canary",namespace="apps",outcome="promoted"} 120',
    );
  });

  it("metric analysis: the value without a verdict label, request-duration in seconds, untouched without a value", async () => {
    const recorder = new Recorder(new Registry());
    recorder.setCheck(who, {
      metric: "request-duration",
      verdict: "fail",
      value: 750,
      unit: "ms",
    });
    recorder.setCheck(who, {
      metric: "request-success-rate",
      verdict: "pass",
      value: 99.5,
    });
    recorder.setCheck(who, {
      metric: "request-success-rate",
      verdict: "nodata",
    });
    const text = await scrape(recorder);
    expect(text).toContain(
      'flagger_canary_metric_analysis{name="web",namespace="apps",metric="request-duration"} 0.75',
    );
    expect(text).toContain(
      'flagger_canary_metric_analysis{name="web",namespace="apps",metric="request-success-rate"} 99.5',
    );
    expect(text).not.toMatch(/flagger_canary_metric_analysis\{[^}]*verdict/);
    // Siskin's series: one verdict per check, counted, and the value in the metric's own unit.
    expect(text).toContain(
      'siskin_canary_check_verdict{name="web-canary",namespace="apps",metric="request-success-rate",verdict="nodata"} 1',
    );
    expect(text).not.toContain(
      'siskin_canary_check_verdict{name="web-canary",namespace="apps",metric="request-success-rate",verdict="pass"}',
    );
    expect(text).toContain(
      'siskin_canary_checks_total{name="web-canary",namespace="apps",metric="request-success-rate",verdict="pass"} 1',
    );
    expect(text).toContain(
      'siskin_canary_check_value{name="web-canary",namespace="apps",metric="request-duration"} 750',
    );
    expect(text).not.toContain(
      'siskin_canary_check_value{name="web-canary",namespace="apps",metric="request-success-rate"}',
    );
  });

  it("siskin series: thresholds per bound, and how late each step was taken", async () => {
    const recorder = new Recorder(new Registry());
    recorder.setCheck(who, {
      metric: "request-duration",
      verdict: "pass",
      value: 120,
      unit: "ms",
      max: 500,
    });
    recorder.recordCanary(
      who,
      { phase: "Progressing", lastStepTime: "2026-12-02T10:00:00.000Z" },
      { phase: "Progressing", lastStepTime: "2026-12-02T10:00:10.250Z" },
      1,
      at(1),
    );
    const text = await scrape(recorder);
    expect(text).toContain(
      'siskin_canary_check_threshold{name="web-canary",namespace="apps",metric="request-duration",bound="max"} 500',
    );
    expect(text).not.toContain('bound="min"');
    expect(text).toContain(
      'siskin_canary_step_lateness_seconds_sum{namespace="apps"} 0.25',
    );
    expect(text).toContain(
      'siskin_canary_step_lateness_seconds_count{namespace="apps"} 1',
    );
  });
});
