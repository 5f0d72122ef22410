// Optional (--audit): the API server's audit log of every write, so the benchmark can say *who* changed
// what while the fleet was idle (user agent, verb, resource), not just how much.
import { auditLog, type AuditLog } from "../../dev/cluster/audit.ts";

export function writeAudit(): AuditLog {
  return auditLog([
    {
      level: "Metadata",
      verbs: ["create", "update", "patch", "delete", "deletecollection"],
    },
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
