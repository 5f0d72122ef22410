// The busy phase with everything measured around it: the watcher's view (phases.ts), the operator's CPU
// and its own /metrics, the writes by user agent and each step's split from the audit log.
import { writeFileSync } from "node:fs";
import type { AuditLog } from "../../dev/cluster/audit.ts";
import { fleetWeights, type FleetMember } from "../../dev/fleet.ts";
import type { KubeApi } from "../../src/kube/api.ts";
import { queriesByCanary, stepWrites, writesBetween } from "./audit.ts";
import { cpuPercent, sampleProcess } from "./measure.ts";
import type { MetricsServerProcess } from "./metrics-server.ts";
import type { FleetObserver } from "./observe.ts";
import { operatorBusyMetrics } from "./operator-metrics.ts";
import { busyFleet } from "./phases.ts";
import type { FleetReport } from "./report.ts";
import { stepSplit } from "./step-split.ts";

export interface BusyContext {
  api: KubeApi;
  observer: FleetObserver;
  metrics: MetricsServerProcess;
  audit: AuditLog | undefined;
  /** The operator's /metrics text. */
  scrape: () => Promise<string>;
  operatorPid: number | undefined;
  intervalMs: number;
  /** Where the report's JSON goes: the split's inputs are written beside it (.steps.json). */
  json: string | undefined;
}

export async function measureBusy(
  c: BusyContext,
  members: FleetMember[],
): Promise<Partial<FleetReport>> {
  const from = Date.now();
  const cpuBefore = c.operatorPid ? sampleProcess(c.operatorPid) : undefined;
  const metricsBefore = await c.scrape();
  const released = new Map<string, number>();
  const out: Partial<FleetReport> = {};
  out.busy = await busyFleet(
    c.api,
    c.observer,
    members,
    c.intervalMs,
    released,
  );
  out.busyInside = operatorBusyMetrics(metricsBefore, await c.scrape());
  if (cpuBefore && c.operatorPid)
    out.busyCpuPercent = cpuPercent(cpuBefore, sampleProcess(c.operatorPid));
  if (!c.audit) return out;
  out.busyWrites = writesBetween(c.audit, from, Date.now());
  const inputs = {
    intervalMs: c.intervalMs,
    released,
    weights: fleetWeights,
    ...stepWrites(c.audit, from),
    queries: queriesByCanary(await c.metrics.calls(), [...released.keys()]),
  };
  out.busySplit = stepSplit(inputs);
  // The split's inputs beside the report, so it can be recomputed or read step by step.
  if (c.json)
    writeFileSync(
      c.json.replace(/(\.json)?$/, ".steps.json"),
      JSON.stringify({ ...inputs, released: Object.fromEntries(released) }),
    );
  return out;
}
