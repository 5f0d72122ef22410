// The demo's summary: what happened to each release, how the traffic split compared with the weights
// at each step, whether Prometheus holds exactly the gateway's counts, and the messages Slack received.
import type {
  CheckRecord,
  CountingGateway,
  Observer,
  StepRecord,
} from "./observer.ts";

export interface ReleaseResult {
  version: string;
  phase: string;
  seconds: number;
  message: string;
  /** status.failedChecks when the run ended. */
  failedChecks: number;
}

export interface DemoReport {
  releases: ReleaseResult[];
  seconds: number;
  weights: Record<string, number[]>;
  runs: Observer["runs"];
  steps: (StepRecord & { measuredCanaryPercent?: number })[];
  checks: CheckRecord[];
  gatewayTotals: Record<string, number>;
  prometheusTotals: Record<string, number>;
  slack: string[];
  lines: string[];
  /** The runs exported from status.history (kubectl siskin export), by version. */
  recordedRuns?: Record<string, string>;
}

/** Steps with fewer requests than this are listed but not judged: one request would swing them. */
export const minRequestsPerStep = 40;

async function prometheusTotals(url: string): Promise<Record<string, number>> {
  const query = "sum by (envoy_cluster_name) (envoy_cluster_upstream_rq)";
  const response = await fetch(
    `${url}/api/v1/query?query=${encodeURIComponent(query)}`,
  );
  const body = (await response.json()) as {
    data?: {
      result?: {
        metric: { envoy_cluster_name?: string };
        value: [number, string];
      }[];
    };
  };
  return Object.fromEntries(
    (body.data?.result ?? []).map((r) => [
      r.metric.envoy_cluster_name ?? "",
      Number(r.value[1]),
    ]),
  );
}

export async function summarize(input: {
  releases: ReleaseResult[];
  observer: Observer;
  gateway: CountingGateway;
  prometheus: string;
  slack: string[];
  seconds: number;
}): Promise<DemoReport> {
  const steps: DemoReport["steps"] = input.observer.steps.map((s) => {
    const n = s.primary + s.canary;
    return n > 0 ? { ...s, measuredCanaryPercent: (s.canary / n) * 100 } : s;
  });
  const gatewayTotals = Object.fromEntries(
    Object.entries(input.gateway.totals()).map(([k, v]) => [k, v.total]),
  );
  const promTotals: Record<string, number> = await prometheusTotals(
    input.prometheus,
  ).catch(() => ({}));
  const lines = ["", "Summary"];
  for (const r of input.releases) {
    const checks = input.observer.checks.filter(
      (c) => c.run === r.version,
    ).length;
    lines.push(
      `  ${r.version}: ${r.phase} in ${r.seconds.toFixed(0)}s, ${checks} analysis steps with checks, weights ${(input.observer.weights[r.version] ?? []).join(" -> ")}`,
    );
  }
  const judged = steps.filter(
    (s) => s.primary + s.canary >= minRequestsPerStep,
  );
  const worst = Math.max(
    0,
    ...judged.map((s) =>
      Math.abs((s.measuredCanaryPercent ?? 0) - s.canaryWeight),
    ),
  );
  lines.push(
    `  traffic split: ${judged.length} steps with >= ${minRequestsPerStep} requests, largest gap between weight and measured canary share ${worst.toFixed(1)} points`,
  );
  for (const [cluster, total] of Object.entries(gatewayTotals))
    lines.push(
      `  ${cluster}: gateway counted ${total}, Prometheus has ${promTotals[cluster] ?? "none"}`,
    );
  lines.push(
    `  Slack messages received: ${input.slack.length}`,
    `  total time ${input.seconds.toFixed(0)}s`,
  );
  return {
    releases: input.releases,
    seconds: input.seconds,
    weights: input.observer.weights,
    runs: input.observer.runs,
    steps,
    checks: input.observer.checks,
    gatewayTotals,
    prometheusTotals: promTotals,
    slack: input.slack,
    lines,
  };
}
