import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { Writable } from "node:stream";
import { BackgroundWork } from "./background.ts";
import type { Logger } from "../telemetry/logger.ts";

function logged(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: "warn" }, stream), lines };
}

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe("BackgroundWork", () => {
  it("runs queued work of one Canary in order, and another Canary's beside it", async () => {
    const { logger } = logged();
    const work = new BackgroundWork(logger);
    const order: string[] = [];
    const first = gate();
    work.queue("apps/a", "announcement", async () => {
      await first.opened;
      order.push("a1");
    });
    work.queue("apps/a", "announcement", async () => void order.push("a2"));
    work.queue("apps/b", "announcement", async () => void order.push("b1"));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["b1"]);
    expect(work.running).toBe(1);
    first.open();
    await work.drain();
    expect(order).toEqual(["b1", "a1", "a2"]);
    expect(work.running).toBe(0);
  });

  it("logs a failure with the Canary and what failed, and goes on with the next", async () => {
    const { logger, lines } = logged();
    const work = new BackgroundWork(logger);
    const done: string[] = [];
    work.queue("apps/a", "announcement", async () => {
      throw new Error("slack said 500");
    });
    work.queue("apps/a", "announcement", async () => void done.push("next"));
    work.run("apps/b", "provider check", async () => {
      throw new Error("no route to host");
    });
    await work.drain();
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(["next"]);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, string>);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          canary: "apps/a",
          err: "slack said 500",
          msg: "announcement failed",
        }),
        expect.objectContaining({
          canary: "apps/b",
          err: "no route to host",
          msg: "provider check failed",
        }),
      ]),
    );
  });

  it("does not wait at drain for work that is only started (results kept in memory)", async () => {
    const work = new BackgroundWork(logged().logger);
    const never = gate();
    work.run("apps/a", "gathering a step's results", () => never.opened);
    await work.drain();
    expect(work.running).toBe(1);
    never.open();
    await never.opened;
    await new Promise((r) => setImmediate(r));
    expect(work.running).toBe(0);
  });
});
