// An API-server audit log of the writes to a few resources, for tests that must see every version an
// object went through. A watch cannot promise that: when the API server restarts, a watcher resumes
// with a fresh LIST and misses whatever was written while it was reconnecting.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AuditedWrite<T> {
  verb: string;
  code: number;
  /** The object as stored after the write (the audit event's responseObject). */
  object: T;
  /** When the API server finished the request (ms since the epoch). */
  at: number;
}

export interface AuditLog {
  /** kube-apiserver flags; pass them as StartOptions.apiserverArgs. */
  apiserverArgs: string[];
  /** Successful writes recorded so far, in the order the API server completed them. */
  writes<T>(): AuditedWrite<T>[];
}

/** Records, with their stored objects, the create/update/patch requests to `group`/`resource`. */
export function auditWrites(group: string, resource: string): AuditLog {
  const dir = mkdtempSync(join(tmpdir(), "siskin-audit-"));
  const policy = join(dir, "policy.yaml");
  const log = join(dir, "audit.log");
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      "  - level: RequestResponse",
      "    verbs: [create, update, patch]",
      `    resources: [{ group: "${group}", resources: ["${resource}"] }]`,
      "  - level: None",
      "",
    ].join("\n"),
  );
  return {
    apiserverArgs: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${log}`,
      "--audit-log-mode=blocking",
      "--audit-log-format=json",
    ],
    writes<T>() {
      if (!existsSync(log)) return [];
      return readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(
          (line) =>
            JSON.parse(line) as {
              stage: string;
              verb: string;
              responseStatus?: { code?: number };
              responseObject?: T;
              stageTimestamp: string;
            },
        )
        .filter(
          (e) =>
            e.stage === "ResponseComplete" &&
            (e.responseStatus?.code ?? 0) < 300 &&
            e.responseObject !== undefined,
        )
        .map((e) => ({
          verb: e.verb,
          code: e.responseStatus?.code ?? 0,
          object: e.responseObject as T,
          at: Date.parse(e.stageTimestamp),
        }));
    },
  };
}
