// Where a busy fleet's step lateness arises, read from the API server's audit log and the metrics
// server's own record, not from a watcher (whose delivery adds its own delay):
//   due        the status.lastStepTime in force before the step + interval (the operator's own
//              schedule): the last status the operator stored before the one that took the step
//   queue      due -> the step's first metric query reaches the metrics server   (operator)
//   metrics    the time some query of the step was at the metrics server         (metrics server)
//   slots      first query arrives -> last answered, less that: a query waiting for
//              one of the operator's per-provider slots                           (operator)
//   apply      last answer -> the step's RouteTable write received by the API server (operator)
//   server     RouteTable write received -> answered                               (API server)
// operator-side = queue + slots + apply = received - due - metrics. A step without queries (the first,
// at weight 0, judges no metrics) counts its whole wait as queue.
// A step also waits for the canary's pods to be ready (after `set image` the controller-manager scales
// the target up): that wait is the workload's, not the operator's. The target Deployment's last status
// write (by the controller-manager) before the step is taken as the moment it became ready, and the
// step counts from then when that is later than its due time ("workload").
import { percentile } from "./measure.ts";

export interface SplitWrite {
  /** namespace/name of the Canary the write belongs to. */
  key: string;
  receivedAt: number;
  at: number;
}

export interface StatusWrite extends SplitWrite {
  lastStepTime?: string;
  canaryWeight?: number;
}

export interface WeightWrite extends SplitWrite {
  /** The canary weight the stored RouteTable carries. */
  weight: number;
}

export type ReadyWrite = SplitWrite;

export interface SplitQuery {
  key: string;
  at: number;
  answeredAt: number;
}

export interface StepSplitInput {
  intervalMs: number;
  /** Canary key -> when it was released (writes before are ignored). */
  released: Map<string, number>;
  /** The weights of a run's steps, in order. */
  weights: readonly number[];
  statusWrites: StatusWrite[];
  weightWrites: WeightWrite[];
  /** The target Deployments' status writes (namespace/name of the Canary: a fleet target's name). */
  readyWrites?: ReadyWrite[];
  queries: SplitQuery[];
}

export interface StepTiming {
  key: string;
  weight: number;
  due: number;
  workloadMs: number;
  queueMs: number;
  slotsMs: number;
  metricsMs: number;
  applyMs: number;
  serverMs: number;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface StepSplit {
  steps: number;
  operatorMs: Spread;
  workloadMs: Spread;
  queueMs: Spread;
  slotsMs: Spread;
  metricsMs: Spread;
  applyMs: Spread;
  serverMs: Spread;
}

const byKey = <T extends { key: string }>(items: T[]): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(item.key) ?? [];
    list.push(item);
    map.set(item.key, list);
  }
  return map;
};

/** How long at least one of the queries was at the metrics server (the union of their times). */
function coveredMs(queries: SplitQuery[]): number {
  const sorted = [...queries].sort((a, b) => a.at - b.at);
  let total = 0;
  let end = -Infinity;
  for (const q of sorted) {
    const start = Math.max(q.at, end);
    if (q.answeredAt > start) total += q.answeredAt - start;
    end = Math.max(end, q.answeredAt);
  }
  return total;
}

/** Each weight step of each released Canary, timed from its due time to the API server's answer. */
export function stepTimings(input: StepSplitInput): StepTiming[] {
  const statuses = byKey(input.statusWrites);
  const tables = byKey(input.weightWrites);
  const queries = byKey(input.queries);
  const ready = byKey(input.readyWrites ?? []);
  const timings: StepTiming[] = [];
  for (const [key, since] of input.released) {
    const writes = (tables.get(key) ?? []).filter((w) => w.receivedAt >= since);
    for (const weight of input.weights) {
      const write = writes.find((w) => w.weight === weight);
      if (!write) break;
      // The step's own status (written just before its routes) records the step; the schedule in
      // force is the status stored before that one.
      const mine = (statuses.get(key) ?? []).filter(
        (s) => s.receivedAt >= since,
      );
      const taken = mine.findIndex(
        (s) => s.canaryWeight === weight && s.at <= write.at,
      );
      const last = taken > 0 ? mine[taken - 1]?.lastStepTime : undefined;
      if (!last) continue;
      const scheduled = Date.parse(last) + input.intervalMs;
      const readyAt = (ready.get(key) ?? [])
        .filter((r) => r.at <= write.receivedAt)
        .at(-1)?.at;
      const due = Math.max(scheduled, readyAt ?? scheduled);
      const asked = (queries.get(key) ?? []).filter(
        (q) =>
          q.at >= due - input.intervalMs / 2 &&
          q.answeredAt <= write.receivedAt,
      );
      const firstAsked = Math.min(...asked.map((q) => q.at));
      const lastAnswered = Math.max(...asked.map((q) => q.answeredAt));
      const queued = asked.length > 0 ? firstAsked : write.receivedAt;
      const answered = asked.length > 0 ? lastAnswered : write.receivedAt;
      const atServer = coveredMs(asked);
      timings.push({
        key,
        weight,
        due,
        workloadMs: due - scheduled,
        queueMs: queued - due,
        metricsMs: atServer,
        slotsMs: answered - queued - atServer,
        applyMs: write.receivedAt - answered,
        serverMs: write.at - write.receivedAt,
      });
    }
  }
  return timings;
}

const spread = (values: number[]): Spread => ({
  p50: percentile(values, 50),
  p99: percentile(values, 99),
  max: values.length > 0 ? Math.max(...values) : Number.NaN,
});

export function stepSplit(input: StepSplitInput): StepSplit {
  const t = stepTimings(input);
  return {
    steps: t.length,
    operatorMs: spread(t.map((s) => s.queueMs + s.slotsMs + s.applyMs)),
    workloadMs: spread(t.map((s) => s.workloadMs)),
    queueMs: spread(t.map((s) => s.queueMs)),
    slotsMs: spread(t.map((s) => s.slotsMs)),
    metricsMs: spread(t.map((s) => s.metricsMs)),
    applyMs: spread(t.map((s) => s.applyMs)),
    serverMs: spread(t.map((s) => s.serverMs)),
  };
}
