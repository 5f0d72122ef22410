// The API server's audit log, for tests and benchmarks that must know every write: who made it (the
// fleet benchmark's idle breakdown) or every version an object went through (the chaos test). A watch
// cannot promise the latter: after an API server restart a watcher resumes with a fresh LIST and misses
// whatever was written while it reconnected.
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
  /** When the API server received it (ms since the epoch). */
  receivedAt: number;
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
      // Never rotated (the default rotates at 100 MiB, and readers would miss what moved aside).
      "--audit-log-maxsize=100000",
    ],
    ...readAuditLog(path),
  };
}

type RawEvent = Omit<AuditEvent, "at" | "receivedAt"> & {
  stage?: string;
  stageTimestamp?: string;
  requestReceivedTimestamp?: string;
};

const chunkBytes = 16 * 1024 * 1024;

/**
 * An audit log written by another process (the test cluster's, whose path its state records). Read
 * incrementally: each call parses only what was appended since the last, as bytes, so a log of several
 * hundred MiB (a fleet benchmark's) is neither parsed twice nor held as one string.
 */
export function readAuditLog(path: string): Omit<AuditLog, "apiserverArgs"> {
  let offset = 0;
  let partial: Buffer = Buffer.alloc(0);
  let parsed: AuditEvent[] = [];
  const take = (line: Buffer) => {
    if (line.length === 0) return;
    const e = JSON.parse(line.toString("utf8")) as RawEvent;
    if (e.stage !== "ResponseComplete") return;
    parsed.push({
      ...e,
      at: Date.parse(e.stageTimestamp ?? ""),
      receivedAt: Date.parse(e.requestReceivedTimestamp ?? ""),
    });
  };
  return {
    path,
    events<T>() {
      if (!existsSync(path)) return [];
      const size = statSync(path).size;
      if (size < offset) {
        // Truncated or replaced: start over.
        offset = 0;
        partial = Buffer.alloc(0);
        parsed = [];
      }
      const fd = openSync(path, "r");
      try {
        while (offset < size) {
          const chunk = Buffer.alloc(Math.min(chunkBytes, size - offset));
          const read = readSync(fd, chunk, 0, chunk.length, offset);
          if (read === 0) break;
          offset += read;
          let data = Buffer.concat([partial, chunk.subarray(0, read)]);
          for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
            take(data.subarray(0, nl));
            data = data.subarray(nl + 1);
          }
          partial = Buffer.from(data); // a line the writer has not finished
        }
      } finally {
        closeSync(fd);
      }
      return parsed.slice() as AuditEvent<T>[];
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
