// What the benchmark measures from outside the operator: its CPU time and resident memory (/proc), and
// the API server's own request counters (apiserver_request_total), compared between two moments.
import { readFileSync } from "node:fs";
import type { KubeClient } from "../../src/kube/client/http.ts";

const ticksPerSecond = 100; // USER_HZ on Linux

export interface ProcessSample {
  at: number;
  cpuSeconds: number;
  rssMiB: number;
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return {
    at: Date.now(),
    cpuSeconds: (utime + stime) / ticksPerSecond,
    rssMiB: rssKb / 1024,
  };
}

/** CPU use between two samples, in % of one core. */
export function cpuPercent(a: ProcessSample, b: ProcessSample): number {
  return (100 * (b.cpuSeconds - a.cpuSeconds)) / ((b.at - a.at) / 1000);
}

/** apiserver_request_total by "VERB resource[/subresource]" (group left out, codes summed). */
export type RequestCounts = Map<string, number>;

export async function apiserverRequests(
  client: KubeClient,
): Promise<RequestCounts> {
  const text = await client.request<string>({
    method: "GET",
    path: "/metrics",
    accept: "text/plain",
  });
  const counts: RequestCounts = new Map();
  for (const line of String(text).split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    const resource = labels.subresource
      ? `${labels.resource}/${labels.subresource}`
      : (labels.resource ?? "");
    const key = `${labels.verb} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

/** b - a, keeping only what changed. */
export function difference(a: RequestCounts, b: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, value] of b) {
    const delta = value - (a.get(key) ?? 0);
    if (delta > 0) out.set(key, delta);
  }
  return out;
}

/** Per minute over `seconds`. */
export function perMinute(
  counts: RequestCounts,
  seconds: number,
): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, value] of counts) out.set(key, (value * 60) / seconds);
  return out;
}

/** a - b, floored at zero (the operator's share: a run with it minus a run without it). */
export function subtract(a: RequestCounts, b: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, value] of a) {
    const delta = value - (b.get(key) ?? 0);
    if (delta > 0.5) out.set(key, delta);
  }
  return out;
}

export const total = (counts: RequestCounts): number =>
  [...counts.values()].reduce((s, v) => s + v, 0);

export function byVerb(counts: RequestCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of counts) {
    const verb = key.split(" ")[0] ?? "";
    out[verb] = (out[verb] ?? 0) + value;
  }
  return out;
}

/** Writes that mean workloads were scaled, rolled or had pods removed. */
export function workloadChurn(counts: RequestCounts): Record<string, number> {
  const churn: Record<string, number> = {};
  for (const [key, value] of counts) {
    const [verb = "", resource = ""] = key.split(" ");
    const podDelete = verb === "DELETE" && resource === "pods";
    const workloadWrite =
      /^(deployments|replicasets)(\/|$)/.test(resource) &&
      ["POST", "PUT", "PATCH", "APPLY", "DELETE"].includes(verb);
    if (podDelete || workloadWrite) churn[key] = value;
  }
  return churn;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index] as number;
}
