import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAuditLog } from "./audit.ts";

const line = (name: string, stage = "ResponseComplete") =>
  JSON.stringify({
    stage,
    verb: "patch",
    objectRef: { resource: "routetables", name },
    requestReceivedTimestamp: "2026-12-03T10:00:00.100200Z",
    stageTimestamp: "2026-12-03T10:00:00.250300Z",
  });

describe("readAuditLog", () => {
  it("reads what was appended since the last call, waiting for a line to be finished", () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-test-")), "a.log");
    const log = readAuditLog(path);
    expect(log.events()).toEqual([]);
    const second = line("b");
    writeFileSync(
      path,
      `${line("a")}\n${line("x", "RequestReceived")}\n${second.slice(0, 20)}`,
    );
    const first = log.events();
    expect(first.map((e) => e.objectRef?.name)).toEqual(["a"]);
    expect(first[0]?.receivedAt).toBe(Date.parse("2026-12-03T10:00:00.100Z"));
    expect(first[0]?.at).toBe(Date.parse("2026-12-03T10:00:00.250Z"));
    appendFileSync(path, `${second.slice(20)}\n${line("c")}\n`);
    expect(log.events().map((e) => e.objectRef?.name)).toEqual(["a", "b", "c"]);
    // What a caller got is its own: a later read does not change it.
    expect(first).toHaveLength(1);
  });

  it("starts over when the file was replaced by a shorter one", () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-test-")), "a.log");
    writeFileSync(path, `${line("a")}\n${line("b")}\n`);
    const log = readAuditLog(path);
    expect(log.events()).toHaveLength(2);
    writeFileSync(path, `${line("c")}\n`);
    expect(log.events().map((e) => e.objectRef?.name)).toEqual(["c"]);
  });
});
