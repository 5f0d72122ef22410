// Where a busy fleet's step lateness arises, read from the API server's audit log and the metrics
// server's own record, not from a watcher (whose delivery adds its own delay):
//   due        the previous step's status.lastStepTime + interval (the operator's own schedule)
//   queue      due -> the step's first metric query reaches the metrics server   (operator)
//   metrics    first query arrives -> last query answered                         (metrics server)
//   apply      last answer -> the step's RouteTable write received by the API server (operator)
//   server     RouteTable write received -> answered                               (API server)
// operator-side = queue + apply = received - due - metrics. A step without queries (the first, at
// weight 0, judges no metrics) counts its whole wait as queue.
import { percentile } from "./measure.ts";

export interface SplitWrite {
  /** namespace/name of the Canary the write belongs to. */
  key: string;
  receivedAt: number;
  at: number;
}

export interface StatusWrite extends SplitWrite {
  lastStepTime?: string;
}

export interface WeightWrite extends SplitWrite {
  /** The canary weight the stored RouteTable carries. */
  weight: number;
}

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
  queries: SplitQuery[];
}

export interface StepTiming {
  key: string;
  weight: number;
  due: number;
  queueMs: number;
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
  queueMs: Spread;
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

/** Each weight step of each released Canary, timed from its due time to the API server's answer. */
export function stepTimings(input: StepSplitInput): StepTiming[] {
  const statuses = byKey(input.statusWrites);
  const tables = byKey(input.weightWrites);
  const queries = byKey(input.queries);
  const timings: StepTiming[] = [];
  for (const [key, since] of input.released) {
    const writes = (tables.get(key) ?? []).filter((w) => w.receivedAt >= since);
    for (const weight of input.weights) {
      const write = writes.find((w) => w.weight === weight);
      if (!write) break;
      // The schedule in force: the last status the operator stored before it moved the traffic.
      const before = (statuses.get(key) ?? []).filter(
        (s) => s.receivedAt >= since && s.at <= write.receivedAt,
      );
      const last = before.at(-1)?.lastStepTime;
      if (!last) continue;
      const due = Date.parse(last) + input.intervalMs;
      const asked = (queries.get(key) ?? []).filter(
        (q) =>
          q.at >= due - input.intervalMs / 2 &&
          q.answeredAt <= write.receivedAt,
      );
      const firstAsked = Math.min(...asked.map((q) => q.at));
      const lastAnswered = Math.max(...asked.map((q) => q.answeredAt));
      const queued = asked.length > 0 ? firstAsked : write.receivedAt;
      const answered = asked.length > 0 ? lastAnswered : write.receivedAt;
      timings.push({
        key,
        weight,
        due,
        queueMs: queued - due,
        metricsMs: answered - queued,
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
    operatorMs: spread(t.map((s) => s.queueMs + s.applyMs)),
    queueMs: spread(t.map((s) => s.queueMs)),
    metricsMs: spread(t.map((s) => s.metricsMs)),
    applyMs: spread(t.map((s) => s.applyMs)),
    serverMs: spread(t.map((s) => s.serverMs)),
  };
}
