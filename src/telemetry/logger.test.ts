// The log line shape teams query (Flagger's: level word, ISO "ts", "msg"), written to a real stream.
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { logOptions } from "./logger.ts";

function lines(write: (log: pino.Logger) => void): Record<string, unknown>[] {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString()));
  write(pino(logOptions("debug", "siskin"), out));
  return chunks
    .join("")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("log lines", () => {
  it("carry level as a word, an ISO-8601 ts, msg, and the Canary's name and namespace", () => {
    const [info, warn, error] = lines((log) => {
      const canary = log.child({
        canary: "apps/podinfo",
        name: "podinfo",
        namespace: "apps",
      });
      canary.info("phase changed");
      canary.warn("slow");
      canary.error({ token: "s3cret" }, "failed");
    });
    expect(info).toMatchObject({
      level: "info",
      app: "siskin",
      msg: "phase changed",
      canary: "apps/podinfo",
      name: "podinfo",
      namespace: "apps",
    });
    expect(info!.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(info).not.toHaveProperty("time");
    expect(warn!.level).toBe("warn");
    expect(error).toMatchObject({ level: "error", token: "[redacted]" });
  });

  it("leaves out lines below the level", () => {
    const out = lines((log) => {
      log.level = "warn";
      log.info("hidden");
      log.warn("shown");
    });
    expect(out.map((l) => l.msg)).toEqual(["shown"]);
  });
});
