// The chart's Grafana dashboard as tests read it: every PromQL expression of its panels, with Grafana's
// variables replaced by what a user's selection would send ("All" namespaces and jobs, a rate interval).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../dev/cluster/cluster.ts";

export const dashboardPath = join(
  repoRoot,
  "charts/siskin/files/grafana/siskin-fleet.json",
);

export interface DashboardQuery {
  panel: string;
  refId: string;
  expr: string;
}

interface Dashboard {
  panels: {
    id: number;
    title: string;
    targets?: { expr?: string; refId?: string }[];
  }[];
  templating: { list: { name: string; definition?: string }[] };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(dashboardPath, "utf8")) as Dashboard;
}

/** Grafana's variables as "All" and a 30 s rate interval, a 15 min range. */
export function expand(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "30s")
    .replaceAll("$__range", "15m")
    .replaceAll("$namespace", ".*")
    .replaceAll("$job", ".*");
}

export function dashboardQueries(): DashboardQuery[] {
  return loadDashboard().panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      refId: t.refId ?? "",
      expr: expand(t.expr ?? ""),
    })),
  );
}

/**
 * Every query of the dashboard, as Grafana sends it with "All" selected, against a Prometheus: the
 * failures (thrown) and the queries that return no series (returned, "panel refId: expr").
 */
export async function emptyDashboardQueries(
  prometheusUrl: string,
): Promise<string[]> {
  const empty: string[] = [];
  for (const query of dashboardQueries()) {
    const answer = (await (
      await fetch(
        `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query.expr)}`,
      )
    ).json()) as {
      status: string;
      error?: string;
      data?: { result: unknown[] };
    };
    if (answer.status !== "success")
      throw new Error(`${query.panel} ${query.refId}: ${answer.error}`);
    if ((answer.data?.result.length ?? 0) === 0)
      empty.push(`${query.panel} ${query.refId}: ${query.expr}`);
  }
  return empty;
}

/** The values of a label on the series matching `match` (a dashboard variable's label_values). */
export async function labelValues(
  prometheusUrl: string,
  label: string,
  match: string,
): Promise<string[]> {
  const answer = (await (
    await fetch(
      `${prometheusUrl}/api/v1/label/${label}/values?match[]=${encodeURIComponent(match)}`,
    )
  ).json()) as { data: string[] };
  return answer.data;
}
