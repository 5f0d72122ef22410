// The one owner of every self-metric. Canaries are reported under Flagger's names with Flagger 1.44's
// meaning (pkg/metrics/recorder.go and where its scheduler calls it), so existing dashboards and alerts
// read true: labels carry the target's name, the status is 0 only while Progressing, the duration is
// one analysis tick, request-duration is in seconds. Siskin's additions are siskin_* series
// (siskin-metrics.ts); the operator itself uses controller-runtime's and client-go's names
// (runtime-metrics.ts).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { RuntimeMetrics } from "./runtime-metrics.ts";
import { SiskinCanaryMetrics } from "./siskin-metrics.ts";

/** The phase fields recordCanary reads. */
interface PhaseStatus {
  phase?: string;
  canaryWeight?: number;
  canaryRevisionStart?: string;
  inconclusiveChecks?: number;
  lastStepTime?: string;
}

export type CanaryRef = {
  name: string;
  namespace: string;
};

/** What Flagger's series are labelled with: the target's name, the strategy as Flagger spells it. */
export interface CanaryIdentity {
  canary: CanaryRef;
  target: string;
  strategy: "canary" | "blueGreen" | "abTesting";
  skipAnalysis: boolean;
  /** analysis.interval: a step is due this long after the previous one. */
  intervalMs: number;
}

const strategyLabel = {
  canary: "canary",
  blueGreen: "blue-green",
  abTesting: "ab-testing",
} as const;

/** Phases in which Flagger's scheduler runs an analysis tick (and times it). */
const tickPhases = new Set([
  "Progressing",
  "WaitingPromotion",
  "Promoting",
  "Finalising",
]);

/** Prometheus client_golang's DefBuckets, which Flagger's duration histogram uses. */
const defBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Recorder {
  readonly registry: Registry;
  /** Work queue, reconciles, API requests, watch restarts, process. */
  readonly runtime: RuntimeMetrics;
  readonly siskin: SiskinCanaryMetrics;
  private readonly info: Gauge;
  private readonly total: Gauge;
  private readonly status: Gauge;
  private readonly weight: Gauge;
  private readonly duration: Histogram;
  private readonly analysis: Gauge;
  private readonly successes: Counter;
  private readonly failures: Counter;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    this.runtime = new RuntimeMetrics(registry);
    this.siskin = new SiskinCanaryMetrics(registry);
    const registers = [registry];
    this.info = new Gauge({
      name: "flagger_info",
      help: "Siskin version and mesh provider",
      labelNames: ["version", "mesh_provider"],
      registers,
    });
    this.total = new Gauge({
      name: "flagger_canary_total",
      help: "Number of canaries",
      labelNames: ["namespace"],
      registers,
    });
    this.status = new Gauge({
      name: "flagger_canary_status",
      help: "Last canary analysis result: 0 progressing, 1 any other phase, 2 failed (name: the target)",
      labelNames: ["name", "namespace"],
      registers,
    });
    this.weight = new Gauge({
      name: "flagger_canary_weight",
      help: "Traffic weight of <target>-primary and of <target>",
      labelNames: ["workload", "namespace"],
      registers,
    });
    this.duration = new Histogram({
      name: "flagger_canary_duration_seconds",
      help: "Seconds spent performing one canary analysis tick (name: the target)",
      labelNames: ["name", "namespace"],
      buckets: defBuckets,
      registers,
    });
    this.analysis = new Gauge({
      name: "flagger_canary_metric_analysis",
      help: "Last value read for each metric (request-duration in seconds; name: the target)",
      labelNames: ["name", "namespace", "metric"],
      registers,
    });
    this.successes = new Counter({
      name: "flagger_canary_successes_total",
      help: "Promotions",
      labelNames: [
        "name",
        "namespace",
        "deployment_strategy",
        "analysis_status",
      ],
      registers,
    });
    this.failures = new Counter({
      name: "flagger_canary_failures_total",
      help: "Rollbacks",
      labelNames: [
        "name",
        "namespace",
        "deployment_strategy",
        "analysis_status",
      ],
      registers,
    });
  }

  timeReconcile<T>(work: () => Promise<T>): Promise<T> {
    return this.runtime.timeReconcile(work);
  }

  /**
   * After a reconcile: status, weights and counts; the reconcile's seconds as an analysis tick when a
   * run was in progress; at the end of a run, the outcome and the run's duration.
   */
  recordCanary(
    who: CanaryIdentity,
    before: PhaseStatus,
    after: PhaseStatus,
    canariesInNamespace: number,
    timing: { startedAt: Date; now: Date },
  ): void {
    const ref = { name: who.target, namespace: who.canary.namespace };
    this.total.set({ namespace: ref.namespace }, canariesInNamespace);
    this.status.set(ref, statusValue(after.phase));
    const weight = after.canaryWeight ?? 0;
    this.weight.set(
      { workload: `${who.target}-primary`, namespace: ref.namespace },
      100 - weight,
    );
    this.weight.set({ workload: who.target, namespace: ref.namespace }, weight);
    this.siskin.inconclusiveChecks(who.canary, after.inconclusiveChecks ?? 0);
    const seconds = (timing.now.getTime() - timing.startedAt.getTime()) / 1000;
    if (tickPhases.has(before.phase ?? "") || tickPhases.has(after.phase ?? ""))
      this.duration.observe(ref, Math.max(0, seconds));
    if (
      before.lastStepTime &&
      after.lastStepTime &&
      after.lastStepTime !== before.lastStepTime &&
      tickPhases.has(before.phase ?? "")
    )
      this.siskin.stepLate(
        ref.namespace,
        (Date.parse(after.lastStepTime) -
          Date.parse(before.lastStepTime) -
          who.intervalMs) /
          1000,
      );
    if (before.phase === after.phase) return;
    const labels = {
      ...ref,
      deployment_strategy: strategyLabel[who.strategy],
      analysis_status: who.skipAnalysis ? "skipped" : "completed",
    };
    if (after.phase === "Succeeded") this.successes.inc(labels);
    if (after.phase === "Failed") this.failures.inc(labels);
    if (
      (after.phase === "Succeeded" || after.phase === "Failed") &&
      after.canaryRevisionStart
    )
      this.siskin.runEnded(
        who.canary,
        after.phase === "Succeeded" ? "promoted" : "failed",
        (timing.now.getTime() - Date.parse(after.canaryRevisionStart)) / 1000,
      );
  }

  setInfo(version: string, meshProvider: string): void {
    this.info.set({ version, mesh_provider: meshProvider }, 1);
  }

  /**
   * One check's outcome. Flagger's gauge gets the value only when one was read (as Flagger, which
   * sets it on success only), request-duration in seconds; Siskin's series get the verdict.
   */
  setCheck(
    who: Pick<CanaryIdentity, "canary" | "target">,
    check: {
      metric: string;
      verdict: string;
      value?: number;
      unit?: "ms";
      min?: number;
      max?: number;
    },
  ): void {
    this.siskin.check(who.canary, check.metric, check.verdict, check.value);
    this.siskin.thresholds(who.canary, check.metric, {
      ...(check.min !== undefined ? { min: check.min } : {}),
      ...(check.max !== undefined ? { max: check.max } : {}),
    });
    if (check.value === undefined || Number.isNaN(check.value)) return;
    this.analysis.set(
      {
        name: who.target,
        namespace: who.canary.namespace,
        metric: check.metric,
      },
      check.unit === "ms" ? check.value / 1000 : check.value,
    );
  }
}

/** Flagger's SetStatus: 0 Progressing, 2 Failed, 1 for every other phase. */
function statusValue(phase: string | undefined): number {
  return phase === "Progressing" ? 0 : phase === "Failed" ? 2 : 1;
}
