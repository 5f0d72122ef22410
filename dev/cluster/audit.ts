// The API server's audit log, for tests and benchmarks that must know every write: who made it (the
// fleet benchmark's idle breakdown) or every version an object went through (the chaos test). A watch
// cannot promise the latter: after an API server restart a watcher resumes with a fresh LIST and misses
// whatever was written while it reconnected.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AuditRule {
  /** Metadata: who, what and when; RequestResponse: also the stored object. */
  level: "Metadata" | "RequestResponse";
  verbs: string[];
  /** Limit the rule to one API group's resources; all resources when absent. */
  resources?: { group: string; resources: string[] };
  /** Limit the rule to these namespaces. */
  namespaces?: string[];
}

export interface AuditEvent<T = unknown> {
  verb: string;
  userAgent?: string;
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
  /** The object as stored after the write (RequestResponse level only). */
  responseObject?: T;
  /** When the API server finished the request (ms since the epoch). */
  at: number;
}

export interface AuditLog {
  /** kube-apiserver flags; pass them as StartOptions.apiserverArgs. */
  apiserverArgs: string[];
  /** The log file (another process reads it with readAuditLog). */
  path: string;
  /** Completed requests recorded so far, in the order the API server finished them. */
  events<T>(): AuditEvent<T>[];
}

export function auditLog(rules: AuditRule[]): AuditLog {
  const dir = mkdtempSync(join(tmpdir(), "siskin-audit-"));
  const policy = join(dir, "policy.yaml");
  const path = join(dir, "audit.log");
  const ruleLines = rules.flatMap((r) => [
    `  - level: ${r.level}`,
    `    verbs: [${r.verbs.join(", ")}]`,
    ...(r.resources
      ? [
          `    resources: [{ group: "${r.resources.group}", resources: [${r.resources.resources.map((x) => `"${x}"`).join(", ")}] }]`,
        ]
      : []),
    ...(r.namespaces
      ? [`    namespaces: [${r.namespaces.map((n) => `"${n}"`).join(", ")}]`]
      : []),
  ]);
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      ...ruleLines,
      "  - level: None",
      "",
    ].join("\n"),
  );
  return {
    apiserverArgs: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${path}`,
      "--audit-log-mode=blocking",
      "--audit-log-format=json",
    ],
    ...readAuditLog(path),
  };
}

/** An audit log written by another process (the test cluster's, whose path its state records). */
export function readAuditLog(path: string): Omit<AuditLog, "apiserverArgs"> {
  return {
    path,
    events<T>() {
      if (!existsSync(path)) return [];
      return readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const e = JSON.parse(line) as Omit<AuditEvent<T>, "at"> & {
            stage?: string;
            stageTimestamp?: string;
          };
          return { ...e, at: Date.parse(e.stageTimestamp ?? "") };
        })
        .filter((e) => (e as { stage?: string }).stage === "ResponseComplete");
    },
  };
}

/** The objects stored by successful writes, in order. */
export function storedByWrites<T>(
  log: Pick<AuditLog, "events">,
): { object: T; at: number }[] {
  return log
    .events<T>()
    .filter(
      (e) =>
        (e.responseStatus?.code ?? 0) < 300 && e.responseObject !== undefined,
    )
    .map((e) => ({ object: e.responseObject as T, at: e.at }));
}
