// Reading Prometheus' text format, for tests and benchmarks that read an operator's /metrics.

/** Sample values by series ("name{labels}"), comments left out. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** Whether a series ("name{labels}") carries every one of `labels`. */
export const hasLabels = (
  series: string,
  labels: Record<string, string>,
): boolean =>
  Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));

/** The sum of a metric's series whose labels include every one of `labels`. */
export function sumMetric(
  samples: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const [series, value] of samples) {
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (hasLabels(series, labels)) total += value;
  }
  return total;
}
