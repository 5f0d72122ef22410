// The bounded record of analysis steps kept in status.history: the current run and the one before,
// each at most maxSteps steps. It is what the dashboard draws and what `kubectl siskin export` hands to
// replay, so it holds what the core saw at each step (time, weight, each metric's value and verdict).
// Columnar, with values rounded to 4 significant digits, so 2 runs x 100 steps x 10 metrics stay
// well under 32 KiB of status.
import type {
  CanaryStatus,
  CheckResult,
  MetricHistory,
  RunHistory,
} from "../api/canary.ts";

export const maxSteps = 100;
export const maxRuns = 2;

/** One letter per verdict, so a run's verdicts of a metric are one short string. */
export const verdictCodes = {
  pass: "p",
  fail: "f",
  nodata: "n",
  inconclusive: "i",
  error: "e",
} as const satisfies Record<CheckResult["verdict"], string>;
/** The metric was not checked at this step (it was added later, or the step ran no checks). */
export const notChecked = "-";

export function verdictOfCode(
  code: string,
): CheckResult["verdict"] | undefined {
  const found = Object.entries(verdictCodes).find(([, c]) => c === code);
  return found?.[0] as CheckResult["verdict"] | undefined;
}

const round = (value: number): number => Number(value.toPrecision(4));

/** A value as the history keeps it: 4 significant digits, null when there is none. */
export const recordable = (value: number | undefined): number | null =>
  value !== undefined && Number.isFinite(value) ? round(value) : null;

/** A new run starts: it becomes the current one, the previous current one is kept. */
export function openRun(
  status: CanaryStatus,
  revision: string,
  startedAt: Date,
): NonNullable<CanaryStatus["history"]> {
  const runs = status.history?.runs ?? [];
  const fresh: RunHistory = {
    revision,
    startedAt: startedAt.toISOString(),
    t: [],
    w: [],
    metrics: [],
  };
  return { runs: [...runs, fresh].slice(-maxRuns) };
}

/** The current run ended: promoted or rolled back. */
export function closeRun(
  history: CanaryStatus["history"],
  outcome: NonNullable<RunHistory["outcome"]>,
): CanaryStatus["history"] {
  const runs = history?.runs ?? [];
  const current = runs.at(-1);
  if (!current) return history;
  return { runs: [...runs.slice(0, -1), { ...current, outcome }] };
}

export interface StepRecord {
  at: Date;
  /** The canary weight the step judged (before it advanced). */
  weight: number;
  checks: CheckResult[];
  /** The step did not pass (a check or a hook failed). */
  failed: boolean;
}

/** Appends a step to the current run (opening one when there is none), dropping the oldest past maxSteps. */
export function recordStep(
  status: CanaryStatus,
  step: StepRecord,
): NonNullable<CanaryStatus["history"]> {
  const runs = status.history?.runs ?? [];
  const current =
    runs.at(-1) ??
    ({
      revision: status.lastAppliedSpec ?? "",
      startedAt: status.canaryRevisionStart ?? step.at.toISOString(),
      t: [],
      w: [],
      metrics: [],
    } satisfies RunHistory);
  const since = Math.max(
    0,
    Math.round((step.at.getTime() - Date.parse(current.startedAt)) / 1000),
  );
  const steps = current.t.length;
  const metrics: MetricHistory[] = current.metrics.map((m) => ({ ...m }));
  for (const check of step.checks) {
    if (!metrics.some((m) => m.name === check.metric))
      metrics.push({
        name: check.metric,
        v: Array<number | null>(steps).fill(null),
        r: notChecked.repeat(steps),
      });
  }
  const updated = metrics.map((m) => {
    const check = step.checks.find((c) => c.metric === m.name);
    const value = recordable(check?.value);
    const primary = recordable(check?.primaryValue);
    // The primary's column exists from the first step that compared with the primary.
    const pv =
      m.pv || primary !== null
        ? {
            pv: [
              ...(m.pv ?? Array<number | null>(steps).fill(null)),
              primary,
            ].slice(-maxSteps),
          }
        : {};
    return {
      ...m,
      ...(check?.threshold ? { threshold: check.threshold } : {}),
      ...pv,
      v: [...m.v, value].slice(-maxSteps),
      r: (m.r + (check ? verdictCodes[check.verdict] : notChecked)).slice(
        -maxSteps,
      ),
    };
  });
  // Steps dropped off the front move the start of the bake with them.
  const dropped = Math.max(0, steps + 1 - maxSteps);
  const bakeFrom =
    current.bakeFrom !== undefined
      ? { bakeFrom: Math.max(0, current.bakeFrom - dropped) }
      : {};
  const run: RunHistory = {
    ...current,
    ...bakeFrom,
    t: [...current.t, since].slice(-maxSteps),
    w: [...current.w, step.weight].slice(-maxSteps),
    f: (
      (current.f ?? notChecked.repeat(steps)) + (step.failed ? "f" : "p")
    ).slice(-maxSteps),
    metrics: updated,
  };
  return { runs: [...runs.slice(0, -1), run].slice(-maxRuns) };
}

/** The promotion completed and a bake starts: the current run's next steps judge the primary. */
export function startBakeRecord(
  history: CanaryStatus["history"],
): CanaryStatus["history"] {
  const runs = history?.runs ?? [];
  const current = runs.at(-1);
  if (!current) return history;
  return {
    runs: [...runs.slice(0, -1), { ...current, bakeFrom: current.t.length }],
  };
}
