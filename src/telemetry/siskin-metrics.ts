// Siskin's own canary series (siskin_*), beside Flagger's names in recorder.ts: what Flagger has no
// series for (each check's verdict, inconclusive streaks, a whole run's duration), so Flagger's series
// keep exactly Flagger's meaning. `name` is the Canary's name here (Flagger's series use the target's).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CanaryRef } from "./recorder.ts";

export const checkVerdicts = [
  "pass",
  "fail",
  "nodata",
  "inconclusive",
  "error",
] as const;

export class SiskinCanaryMetrics {
  private readonly checkValue: Gauge;
  private readonly checkVerdict: Gauge;
  private readonly checks: Counter;
  private readonly inconclusive: Gauge;
  private readonly runDuration: Histogram;
  private readonly alerts: Counter;
  private readonly threshold: Gauge;
  private readonly lateness: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.checkValue = new Gauge({
      name: "siskin_canary_check_value",
      help: "Last value of each check, in the metric's own unit (request-duration in milliseconds); absent without a value",
      labelNames: ["name", "namespace", "metric"],
      registers,
    });
    this.checkVerdict = new Gauge({
      name: "siskin_canary_check_verdict",
      help: "1 for the last verdict of each check (pass, fail, nodata, inconclusive, error); one series per check",
      labelNames: ["name", "namespace", "metric", "verdict"],
      registers,
    });
    this.checks = new Counter({
      name: "siskin_canary_checks_total",
      help: "Checks run, by verdict",
      labelNames: ["name", "namespace", "metric", "verdict"],
      registers,
    });
    this.inconclusive = new Gauge({
      name: "siskin_canary_inconclusive_checks",
      help: "Analysis intervals in a row with too little to judge (status.inconclusiveChecks)",
      labelNames: ["name", "namespace"],
      registers,
    });
    this.runDuration = new Histogram({
      name: "siskin_canary_run_duration_seconds",
      help: "Seconds from a revision's start to its promotion or rollback",
      labelNames: ["name", "namespace", "outcome"],
      buckets: [30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    });
    this.threshold = new Gauge({
      name: "siskin_canary_check_threshold",
      help: "Each check's thresholdRange bound (bound: min or max), in the unit of siskin_canary_check_value",
      labelNames: ["name", "namespace", "metric", "bound"],
      registers,
    });
    this.lateness = new Histogram({
      name: "siskin_canary_step_lateness_seconds",
      help: "How long after it was due (the previous step plus the interval) each analysis step was taken",
      labelNames: ["namespace"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.alerts = new Counter({
      name: "siskin_alerts_total",
      help: "Alerts posted, by destination type and answer: sent, Slack's error code (channel_not_found, invalid_auth, ...), http_<status>, unreachable or not_sent",
      labelNames: ["type", "result"],
      registers,
    });
  }

  alert(type: string, result: string): void {
    this.alerts.inc({ type, result });
  }

  check(
    ref: CanaryRef,
    metric: string,
    verdict: string,
    value: number | undefined,
  ): void {
    for (const v of checkVerdicts)
      if (v !== verdict)
        this.checkVerdict.remove({ ...ref, metric, verdict: v });
    this.checkVerdict.set({ ...ref, metric, verdict }, 1);
    this.checks.inc({ ...ref, metric, verdict });
    if (value === undefined || Number.isNaN(value))
      this.checkValue.remove({ ...ref, metric });
    else this.checkValue.set({ ...ref, metric }, value);
  }

  thresholds(
    ref: CanaryRef,
    metric: string,
    range: { min?: number; max?: number },
  ): void {
    for (const bound of ["min", "max"] as const) {
      const value = range[bound];
      if (value === undefined) this.threshold.remove({ ...ref, metric, bound });
      else this.threshold.set({ ...ref, metric, bound }, value);
    }
  }

  stepLate(namespace: string, seconds: number): void {
    this.lateness.observe({ namespace }, Math.max(0, seconds));
  }

  inconclusiveChecks(ref: CanaryRef, count: number): void {
    this.inconclusive.set(ref, count);
  }

  runEnded(
    ref: CanaryRef,
    outcome: "promoted" | "failed",
    seconds: number,
  ): void {
    this.runDuration.observe({ ...ref, outcome }, seconds);
  }
}
