// The one owner of every self-metric: Flagger's names for canaries, so existing dashboards and alerts
// work, and controller-runtime's and client-go's names for the operator itself (runtime-metrics.ts).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { RuntimeMetrics } from "./runtime-metrics.ts";

/** The phase fields recordCanary reads. */
interface PhaseStatus {
  phase?: string;
  canaryWeight?: number;
  canaryRevisionStart?: string;
}

export type CanaryRef = {
  name: string;
  namespace: string;
};

export class Recorder {
  readonly registry: Registry;
  /** Work queue, reconciles, API requests, watch restarts, process. */
  readonly runtime: RuntimeMetrics;
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
      help: "Last canary outcome: 0 progressing, 1 succeeded or initialized, 2 failed",
      labelNames: ["name", "namespace"],
      registers,
    });
    this.weight = new Gauge({
      name: "flagger_canary_weight",
      help: "Traffic weights",
      labelNames: ["workload", "namespace"],
      registers,
    });
    this.duration = new Histogram({
      name: "flagger_canary_duration_seconds",
      help: "Seconds a canary analysis took",
      labelNames: ["name", "namespace"],
      buckets: [10, 30, 60, 120, 300, 600, 1200, 3600],
      registers,
    });
    this.analysis = new Gauge({
      name: "flagger_canary_metric_analysis",
      help: "Last value of each metric check (NaN when there was no data or an error); the outcome is in the verdict label",
      labelNames: ["name", "namespace", "metric", "verdict"],
      registers,
    });
    this.successes = new Counter({
      name: "flagger_canary_successes_total",
      help: "Promotions",
      labelNames: ["name", "namespace"],
      registers,
    });
    this.failures = new Counter({
      name: "flagger_canary_failures_total",
      help: "Rollbacks",
      labelNames: ["name", "namespace"],
      registers,
    });
  }

  timeReconcile<T>(work: () => Promise<T>): Promise<T> {
    return this.runtime.timeReconcile(work);
  }

  /** After a reconcile: status, weights, counts and, at the end of a run, its duration. */
  recordCanary(
    canary: { metadata: { name: string; namespace: string } },
    before: PhaseStatus,
    after: PhaseStatus,
    target: string,
    canariesInNamespace: number,
    now: Date,
  ): void {
    const ref = {
      name: canary.metadata.name,
      namespace: canary.metadata.namespace,
    };
    this.setTotal(ref.namespace, canariesInNamespace);
    this.setStatus(ref, after.phase);
    const weight = after.canaryWeight ?? 0;
    this.setWeights(ref, `${target}-primary`, 100 - weight, weight);
    if (before.phase === after.phase) return;
    if (after.phase === "Succeeded") this.countSuccess(ref);
    if (after.phase === "Failed") this.countFailure(ref);
    if (
      (after.phase === "Succeeded" || after.phase === "Failed") &&
      after.canaryRevisionStart
    )
      this.observeDuration(
        ref,
        (now.getTime() - Date.parse(after.canaryRevisionStart)) / 1000,
      );
  }

  setInfo(version: string, meshProvider: string): void {
    this.info.set({ version, mesh_provider: meshProvider }, 1);
  }
  setTotal(namespace: string, count: number): void {
    this.total.set({ namespace }, count);
  }
  setStatus(ref: CanaryRef, phase: string | undefined): void {
    const value =
      phase === "Failed"
        ? 2
        : phase === "Succeeded" || phase === "Initialized"
          ? 1
          : 0;
    this.status.set(ref, value);
  }
  setWeights(
    ref: CanaryRef,
    primaryName: string,
    primaryWeight: number,
    canaryWeight: number,
  ): void {
    this.weight.set(
      { workload: primaryName, namespace: ref.namespace },
      primaryWeight,
    );
    this.weight.set(
      { workload: ref.name, namespace: ref.namespace },
      canaryWeight,
    );
  }
  observeDuration(ref: CanaryRef, seconds: number): void {
    this.duration.observe(ref, seconds);
  }
  setCheck(
    ref: CanaryRef,
    metric: string,
    verdict: string,
    value: number | undefined,
  ): void {
    for (const v of ["pass", "fail", "nodata", "inconclusive", "error"])
      this.analysis.remove({ ...ref, metric, verdict: v });
    this.analysis.set({ ...ref, metric, verdict }, value ?? Number.NaN);
  }
  countSuccess(ref: CanaryRef): void {
    this.successes.inc(ref);
  }
  countFailure(ref: CanaryRef): void {
    this.failures.inc(ref);
  }
}
