import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ComponentProcess, isAlive, tailOfFile } from "./process.ts";
import { ComponentError, waitForComponent } from "./wait.ts";

const dir = mkdtempSync(join(tmpdir(), "siskin-process-test-"));

describe("ComponentProcess", () => {
  it("records how a process ended and keeps its output in the log", async () => {
    const log = join(dir, "exit.log");
    const proc = new ComponentProcess(
      "fake-component",
      "bash",
      ["-c", "echo starting; echo boom >&2; exit 3"],
      log,
    );
    await new Promise((resolve) => proc.child.once("exit", resolve));
    expect(proc.crashed).toBe(true);
    expect(proc.describeExit()).toBe("fake-component exited with code 3");
    expect(tailOfFile(log)).toBe("starting\nboom");
  });

  it("stops a process group with SIGTERM and waits for it", async () => {
    const proc = new ComponentProcess(
      "sleeper",
      "bash",
      ["-c", "sleep 30 & wait"],
      join(dir, "sleep.log"),
    );
    expect(isAlive(proc.pid)).toBe(true);
    await proc.stop(2000);
    expect(proc.crashed).toBe(false);
    expect(isAlive(proc.pid)).toBe(false);
  });
});

describe("waitForComponent", () => {
  it("fails at once, naming the component and quoting its log, when it dies", async () => {
    const log = join(dir, "dead.log");
    writeFileSync(log, "line 1\nfatal: port in use\n");
    const target = {
      name: "etcd",
      logPath: log,
      deadReason: () => "etcd exited with code 1",
    };
    const started = Date.now();
    const attempt = waitForComponent(
      target,
      "health",
      () => Promise.resolve(false),
      30,
    );
    await expect(attempt).rejects.toBeInstanceOf(ComponentError);
    await expect(attempt).rejects.toThrow(
      /^etcd: etcd exited with code 1 while waiting for health\n.*\nline 1\nfatal: port in use$/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("times out with the last check's error", async () => {
    const target = {
      name: "kwok",
      logPath: join(dir, "none.log"),
      deadReason: () => undefined,
    };
    const attempt = waitForComponent(
      target,
      "the node",
      () => Promise.reject(new Error("connection refused")),
      0.3,
    );
    await expect(attempt).rejects.toThrow(
      /^kwok: the node did not happen within 0\.3s \(last check: connection refused\)/,
    );
  });
});
