// What `kubectl siskin get` and `status` print: plain text, one Canary per line or one block per run.
import type { Canary, CheckResult } from "../api/canary.ts";
import { parseDuration } from "../util/durations.ts";

const ageOf = (since: string | undefined, now: Date): string => {
  if (!since) return "-";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
};

const verdictOf = (c: CheckResult) =>
  `${c.metric} ${c.verdict}${c.value !== undefined ? ` ${c.value}` : ""}`;

/**
 * A table like kubectl's: NAMESPACE (with -A), NAME, PHASE, WEIGHT, FAILED, LAST CHECKS, AGE; wide adds
 * PROVIDER, TARGET and INTERVAL. Without the header: the rows of a watch.
 */
export function canaryTable(
  canaries: Canary[],
  allNamespaces: boolean,
  now: Date,
  options: { wide?: boolean; header?: boolean } = {},
): string {
  const wide = options.wide ?? false;
  const rows = canaries.map((c) => {
    const s = c.status ?? {};
    const threshold = c.spec.analysis?.threshold;
    return [
      ...(allNamespaces ? [c.metadata.namespace] : []),
      c.metadata.name,
      s.pausedBy ? `${s.phase ?? "-"} (paused)` : (s.phase ?? "-"),
      `${s.canaryWeight ?? 0}`,
      `${s.failedChecks ?? 0}/${threshold ?? "-"}`,
      ...(wide
        ? [
            (c.spec.routers ?? []).join(",") || c.spec.provider || "-",
            `${c.spec.targetRef?.kind ?? "-"}/${c.spec.targetRef?.name ?? "-"}`,
            c.spec.analysis?.interval ?? "1m",
          ]
        : []),
      (s.lastChecks ?? []).map(verdictOf).join(", ") || "-",
      ageOf(s.lastTransitionTime, now),
    ];
  });
  const header = [
    ...(allNamespaces ? ["NAMESPACE"] : []),
    "NAME",
    "PHASE",
    "WEIGHT",
    "FAILED",
    ...(wide ? ["PROVIDER", "TARGET", "INTERVAL"] : []),
    "LAST CHECKS",
    "AGE",
  ];
  const all = [header, ...rows];
  const widths = header.map((_, i) =>
    Math.max(...all.map((r) => (r[i] ?? "").length)),
  );
  return (options.header === false ? rows : all)
    .map((r) =>
      r
        .map((cell, i) =>
          i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0),
        )
        .join("   "),
    )
    .join("\n");
}

/** The run as a person reads it: phase and weight, each check, gates and requests, the next step. */
export function statusBlock(canary: Canary, now: Date): string {
  const s = canary.status ?? {};
  const analysis = canary.spec.analysis ?? {};
  const lines = [
    `${canary.metadata.namespace}/${canary.metadata.name}: ${s.phase ?? "not initialized"}, canary weight ${s.canaryWeight ?? 0}%, failed checks ${s.failedChecks ?? 0}/${analysis.threshold ?? "-"}`,
  ];
  if (s.pausedBy) lines.push(`  paused by ${s.pausedBy}`);
  for (const g of s.gateways ?? [])
    lines.push(
      `  gateway ${g.router}: canary weight ${g.canaryWeight !== undefined ? `${g.canaryWeight}%` : "unknown"}${(canary.spec.routers ?? []).includes(g.router) ? "" : " (removed from spec.routers; back to the primary)"}`,
    );
  if (s.message) lines.push(`  ${s.message}`);
  for (const c of s.lastChecks ?? [])
    lines.push(
      `  check ${c.metric}: ${c.verdict}${c.value !== undefined ? `, value ${c.value}` : ""}${c.threshold ? `, threshold ${c.threshold}` : ""}${c.query ? `, query ${c.query}` : ""}`,
    );
  if (
    s.lastStepTime &&
    (s.phase === "Progressing" || s.phase === "WaitingPromotion")
  ) {
    const intervalMs = parseDuration(analysis.interval ?? "1m") ?? 60_000;
    const dueInS = Math.max(
      0,
      Math.round(
        (Date.parse(s.lastStepTime) + intervalMs - now.getTime()) / 1000,
      ),
    );
    lines.push(
      `  next step in ${dueInS}s (interval ${analysis.interval ?? "1m"})`,
    );
  }
  if (s.lastRequest)
    lines.push(
      `  last request: ${s.lastRequest.action} by ${s.lastRequest.by || "?"}: ${s.lastRequest.result}${s.lastRequest.message ? ` (${s.lastRequest.message})` : ""}`,
    );
  return lines.join("\n");
}

export interface CanaryEvent {
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
}

/**
 * The run as a timeline, from the Canary's Events (each step, each failed check with its query, gates,
 * requests): those since the current revision started, oldest first, the time relative to that start.
 */
export function timelineLines(
  canary: Canary,
  events: CanaryEvent[],
  limit = 30,
): string[] {
  const start = Date.parse(canary.status?.canaryRevisionStart ?? "") || 0;
  const at = (e: CanaryEvent) =>
    Date.parse(e.lastTimestamp ?? e.eventTime ?? "") || 0;
  const recent = events
    .filter((e) => at(e) >= start - 1000)
    .sort((a, b) => at(a) - at(b))
    .slice(-limit);
  return recent.map((e) => {
    const offset = start
      ? `+${Math.max(0, Math.round((at(e) - start) / 1000))}s`
      : "";
    const mark = e.type === "Warning" ? "!" : " ";
    return `  ${offset.padStart(6)} ${mark} ${e.reason ?? ""}: ${e.message ?? ""}`;
  });
}
