// The API server's audit log of every write: *who* changed what while the fleet was idle (user agent,
// verb, resource), and when each analysis step's writes reached the API server and were answered
// (RouteTables and Canary status are kept whole for that, everything else as metadata).
import { auditLog, type AuditLog } from "../../dev/cluster/audit.ts";
import type { StubCall } from "../../dev/services/prometheus-stub.ts";
import { routeWeights, type RouteTableLike } from "../../dev/route-weights.ts";
import type {
  ReadyWrite,
  SplitQuery,
  StatusWrite,
  WeightWrite,
} from "./step-split.ts";

const writeVerbs = ["create", "update", "patch", "delete", "deletecollection"];

export function writeAudit(): AuditLog {
  return auditLog([
    {
      level: "RequestResponse",
      verbs: writeVerbs,
      resources: { group: "gateway.solo.io", resources: ["routetables"] },
    },
    {
      level: "RequestResponse",
      verbs: writeVerbs,
      resources: { group: "flagger.app", resources: ["canaries/status"] },
    },
    { level: "Metadata", verbs: writeVerbs },
  ]);
}

/** Writes between two moments, as "userAgent verb resource[/subresource]" -> count. */
export function writesBetween(
  log: AuditLog,
  from: number,
  to: number,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of log.events()) {
    if (!(event.at >= from && event.at <= to)) continue;
    const agent = (event.userAgent ?? "").split(" ")[0];
    const ref = event.objectRef ?? {};
    const resource = ref.subresource
      ? `${ref.resource}/${ref.subresource}`
      : ref.resource;
    const key = `${agent} ${event.verb} ${resource}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

type Stored = RouteTableLike & {
  status?: { lastStepTime?: string; canaryWeight?: number };
};

/** The operator's RouteTable and Canary status writes since `from`, with what they stored. */
export function stepWrites(
  log: AuditLog,
  from: number,
): {
  statusWrites: StatusWrite[];
  weightWrites: WeightWrite[];
  readyWrites: ReadyWrite[];
} {
  const statusWrites: StatusWrite[] = [];
  const weightWrites: WeightWrite[] = [];
  const readyWrites: ReadyWrite[] = [];
  for (const event of log.events<Stored>()) {
    const ref = event.objectRef ?? {};
    const stored = event.responseObject;
    if (
      event.receivedAt >= from &&
      ref.resource === "deployments" &&
      ref.subresource === "status" &&
      (event.userAgent ?? "").startsWith("kube-controller-manager")
    ) {
      readyWrites.push({
        key: `${ref.namespace}/${ref.name}`,
        receivedAt: event.receivedAt,
        at: event.at,
      });
      continue;
    }
    if (
      event.receivedAt < from ||
      !stored ||
      (event.responseStatus?.code ?? 0) >= 300 ||
      !(event.userAgent ?? "").startsWith("siskin")
    )
      continue;
    const base = {
      key: `${ref.namespace}/${ref.name}`,
      receivedAt: event.receivedAt,
      at: event.at,
    };
    if (ref.resource === "routetables")
      weightWrites.push({ ...base, weight: routeWeights(stored)[1] });
    else if (ref.resource === "canaries" && ref.subresource === "status")
      statusWrites.push({
        ...base,
        ...(stored.status?.lastStepTime
          ? { lastStepTime: stored.status.lastStepTime }
          : {}),
        ...(stored.status?.canaryWeight !== undefined
          ? { canaryWeight: stored.status.canaryWeight }
          : {}),
      });
  }
  return { statusWrites, weightWrites, readyWrites };
}

/**
 * The metrics server's calls, by the Canary they were for: Gloo's cluster names start with
 * `<namespace>-<service>-`, and a fleet Canary's service is its name.
 */
export function queriesByCanary(
  calls: readonly StubCall[],
  keys: readonly string[],
): SplitQuery[] {
  const byCluster = new Map(keys.map((k) => [k.replace("/", "-"), k]));
  const out: SplitQuery[] = [];
  for (const call of calls) {
    const cluster =
      /envoy_cluster_name=~?"([^"]+?)-(?:canary|primary)upstream-/.exec(
        call.query,
      )?.[1];
    const key = cluster ? byCluster.get(cluster) : undefined;
    if (key) out.push({ key, at: call.at, answeredAt: call.answeredAt });
  }
  return out;
}
