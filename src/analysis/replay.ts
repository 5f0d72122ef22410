// Replay: the decision core run again over a recorded run (status.history, exported by `kubectl siskin
// export`), optionally under a changed spec, with no cluster. Each recorded step's values are judged
// again against the (new) thresholds and handed to decide() as that step's observations, so what the
// replay prints is what the operator would have done.
//
// compareTo: primary checks are judged again from both recorded values (the canary's v and the
// primary's pv), and judge: mann-whitney tests the replayed run's own values, as the operator does.
// What a recording cannot hold is assumed: webhooks answer OK (their answers are not recorded) and the
// Deployments are ready. Runs recorded before the primary's values were kept (no pv) keep their
// compareTo verdicts. When the recording ends before the replayed run decides, the last recorded step
// is reused, and each reused step is marked.
import type { CheckResult, RunHistory } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { decide } from "./decide.ts";
import { notChecked, verdictOfCode } from "./history.ts";
import type { DecideInput, Observations } from "./types.ts";
import { judge, judgeAgainstPrimary, rangeOf } from "./verdicts.ts";

export interface ReplayStep {
  /** Index of the recorded step whose observations were used. */
  recorded: number;
  reused: boolean;
  at: Date;
  /** The weight the step judged, in the replay and (for recorded steps) in the recording. */
  weight: number;
  recordedWeight?: number;
  checks: CheckResult[];
  failed: boolean;
  recordedFailed?: boolean;
  /** What the core decided, as its status message says. */
  decision: string;
  /** A bake check of the promoted primary (analysis.bake), after the run's steps. */
  bake?: boolean;
}

export interface ReplayResult {
  steps: ReplayStep[];
  outcome: "promoted" | "failed" | "reverted" | "undecided";
  message: string;
  /** The first step whose outcome or weight differs from the recording. */
  divergedAt?: number;
}

/** The recorded step's checks, judged again against the spec's metrics. */
export function recordedChecks(
  spec: ResolvedSpec,
  run: RunHistory,
  index: number,
): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const metric of spec.metrics) {
    const recorded = run.metrics.find((m) => m.name === metric.name);
    const code = recorded?.r[index] ?? notChecked;
    const verdict = verdictOfCode(code);
    if (!recorded || !verdict) continue;
    const value = recorded.v[index] ?? undefined;
    const primary = recorded.pv?.[index] ?? undefined;
    const range = rangeOf(metric);
    const dryRun = metric.dryRun ? { dryRun: true } : {};
    const judged =
      value !== undefined && (verdict === "pass" || verdict === "fail");
    if (judged && metric.compare && primary !== undefined)
      checks.push({
        ...judgeAgainstPrimary(
          metric.name,
          value,
          primary,
          metric.compare,
          range,
        ),
        ...dryRun,
      });
    else if (judged && !metric.compare)
      checks.push({ ...judge(metric.name, value, range), ...dryRun });
    else
      checks.push({
        metric: metric.name,
        verdict,
        threshold: recorded.threshold ?? "",
        ...(value !== undefined ? { value } : {}),
        ...(primary !== undefined ? { primaryValue: primary } : {}),
        ...dryRun,
      });
  }
  return checks;
}

export function replay(
  recordedSpec: ResolvedSpec,
  run: RunHistory,
  options: {
    maxReusedSteps?: number;
    canary?: { name: string; namespace: string };
  } = {},
): ReplayResult {
  const spec: ResolvedSpec = { ...recordedSpec, webhooks: [] };
  const started = new Date(run.startedAt);
  const ready = { ready: true, exists: true, revision: run.revision };
  const observations: Observations = {
    targetRevision: run.revision,
    trackedConfigs: {},
    primary: ready,
    canary: { ready: true },
    routerWatched: true,
  };
  let status: DecideInput["status"] = {
    // What a bake would go back to: a release before this one (its template is not replayed).
    previous: { revision: "previous", template: {} },
    lastPromotedSpec: "previous",
    phase: "Progressing",
    canaryWeight: 0,
    failedChecks: 0,
    inconclusiveChecks: 0,
    iterations: 0,
    lastAppliedSpec: run.revision,
    canaryRevisionStart: run.startedAt,
    lastStepTime: run.startedAt,
  };
  const base = {
    spec,
    canary: options.canary ?? { name: "replay", namespace: "replay" },
  };
  const steps: ReplayStep[] = [];
  // The run's own steps; with analysis.bake, the steps from bakeFrom judged the promoted primary.
  const recordedSteps = run.bakeFrom ?? run.t.length;
  const limit = recordedSteps + (options.maxReusedSteps ?? 100);
  let now = started;
  let divergedAt: number | undefined;
  for (let i = 0; i < limit; i++) {
    const recorded = Math.min(i, recordedSteps - 1);
    if (recorded < 0) break;
    // The recorded time, or one interval after the last step when the spec's interval is longer.
    const due =
      Date.parse(status.lastStepTime ?? run.startedAt) + spec.intervalMs;
    const at =
      i < recordedSteps
        ? Math.max(started.getTime() + (run.t[i] ?? 0) * 1000, due)
        : due;
    now = new Date(at);
    const checks = recordedChecks(spec, run, recorded);
    const before = status;
    const decision = decide({
      ...base,
      status,
      observations: { ...observations, checks },
      now,
    });
    status = decision.status;
    const failed =
      (status.failedChecks ?? 0) > (before.failedChecks ?? 0) ||
      status.phase === "Failed";
    const step: ReplayStep = {
      recorded,
      reused: i >= recordedSteps,
      at: now,
      weight: before.canaryWeight ?? 0,
      checks,
      failed,
      decision: status.message ?? status.phase ?? "",
    };
    if (i < recordedSteps) {
      step.recordedWeight = run.w[i] ?? 0;
      if (run.f) step.recordedFailed = run.f[i] === "f";
      if (
        divergedAt === undefined &&
        (step.recordedWeight !== step.weight ||
          (step.recordedFailed !== undefined && step.recordedFailed !== failed))
      )
        divergedAt = i;
    }
    steps.push(step);
    if (status.phase !== "Progressing" && status.phase !== "WaitingPromotion")
      break;
  }
  // A promotion in the replay: the primary is taken as ready, so it runs to Succeeded.
  for (
    let i = 0;
    i < 10 && ["Promoting", "Finalising"].includes(status.phase ?? "");
    i++
  ) {
    now = new Date(now.getTime() + spec.intervalMs);
    status = decide({ ...base, status, observations, now }).status;
  }
  if (status.phase === "Succeeded") {
    const baked = replayBake(spec, run, status, base, observations, started);
    status = baked.status;
    steps.push(...baked.steps);
    if (divergedAt === undefined && baked.divergedAt !== undefined)
      divergedAt = recordedSteps + baked.divergedAt;
  }
  const outcome = status.reverted
    ? "reverted"
    : status.phase === "Succeeded"
      ? "promoted"
      : status.phase === "Failed"
        ? "failed"
        : "undecided";
  if (divergedAt === undefined && steps.length < recordedSteps)
    divergedAt = steps.length;
  return {
    steps,
    outcome,
    message: status.message ?? "",
    ...(divergedAt !== undefined ? { divergedAt } : {}),
  };
}

/** The recorded bake steps (from run.bakeFrom), judged again on the primary under the spec's bake. */
function replayBake(
  spec: ResolvedSpec,
  run: RunHistory,
  promoted: DecideInput["status"],
  base: Pick<DecideInput, "spec" | "canary">,
  observations: Observations,
  started: Date,
): {
  status: DecideInput["status"];
  steps: ReplayStep[];
  divergedAt?: number;
} {
  const steps: ReplayStep[] = [];
  let status = promoted;
  let divergedAt: number | undefined;
  if (!spec.bake || run.bakeFrom === undefined) return { status, steps };
  const judged = { ...spec, metrics: spec.bake.metrics };
  for (let i = run.bakeFrom; i < run.t.length; i++) {
    const due =
      Date.parse(status.lastStepTime ?? run.startedAt) + spec.intervalMs;
    const now = new Date(
      Math.max(started.getTime() + (run.t[i] ?? 0) * 1000, due),
    );
    const checks = recordedChecks(judged, run, i);
    const before = status;
    status = decide({
      ...base,
      status,
      observations: { ...observations, checks },
      now,
    }).status;
    const failed =
      (status.bake?.failedChecks ?? 0) > (before.bake?.failedChecks ?? 0) ||
      status.reverted !== undefined;
    const recordedFailed = run.f ? run.f[i] === "f" : undefined;
    if (
      divergedAt === undefined &&
      recordedFailed !== undefined &&
      recordedFailed !== failed
    )
      divergedAt = steps.length;
    steps.push({
      recorded: i,
      reused: false,
      at: now,
      weight: 0,
      recordedWeight: 0,
      ...(recordedFailed !== undefined ? { recordedFailed } : {}),
      checks,
      failed,
      decision: status.message ?? status.phase ?? "",
      bake: true,
    });
    if (status.phase !== "Succeeded" || status.bake?.passed) break;
  }
  return { status, steps, ...(divergedAt !== undefined ? { divergedAt } : {}) };
}
