/** Parses Flagger-style durations ("30s", "1m", "1h", "1m30s", "500ms") to milliseconds; undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (units[match[2] ?? ""] ?? 0);
    matched += match[0].length;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

/** Formats milliseconds the way Prometheus range selectors accept them ("90s", "1m"). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
