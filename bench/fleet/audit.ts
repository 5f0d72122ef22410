// Optional (--audit): the API server's audit log of every write, so the benchmark can say *who* changed
// what while the fleet was idle (user agent, verb, resource), not just how much.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AuditSetup {
  args: string[];
  logPath: string;
}

export function auditSetup(): AuditSetup {
  const dir = mkdtempSync(join(tmpdir(), "siskin-audit-"));
  const policy = join(dir, "policy.yaml");
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      "  - level: Metadata",
      "    verbs: [create, update, patch, delete, deletecollection]",
      "  - level: None",
    ].join("\n"),
  );
  const logPath = join(dir, "audit.log");
  return {
    args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`],
    logPath,
  };
}

/** Writes between two moments, as "userAgent verb resource[/subresource]" -> count. */
export function writesBetween(
  logPath: string,
  from: number,
  to: number,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(logPath, "utf8").split("\n")) {
    if (!line) continue;
    const event = JSON.parse(line) as {
      stageTimestamp?: string;
      userAgent?: string;
      verb?: string;
      objectRef?: { resource?: string; subresource?: string };
    };
    const at = Date.parse(event.stageTimestamp ?? "");
    if (!(at >= from && at <= to)) continue;
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
