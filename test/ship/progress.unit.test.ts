// The first run builds the cluster binaries and test tools for minutes; scripts/progress.sh makes each
// build say what it builds, how long it has taken so far, and the total, so nobody thinks it hung.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";

const run = (script: string) =>
  spawnSync(
    "bash",
    ["-c", `source "$0"; ${script}`, join(repoRoot, "scripts/progress.sh")],
    {
      encoding: "utf8",
      env: { ...process.env, SISKIN_PROGRESS_SECONDS: "1" },
    },
  );

describe("build progress", () => {
  it("prints what it builds, the elapsed time while it runs, and the total", () => {
    // The "build" is a command that takes a few seconds, so the 1 s ticker must speak twice.
    const { stderr, status } = run(
      'with_progress "kube-apiserver v1.34" sleep 3',
    );
    expect(status).toBe(0);
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toBe("kube-apiserver v1.34: started");
    expect(
      lines.filter((l) =>
        /^kube-apiserver v1\.34: still building, \d+ s$/.test(l),
      ).length,
    ).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^kube-apiserver v1\.34: done in [3-9] s$/);
  });

  it("passes a failure on with its exit status, saying so", () => {
    const { stderr, status } = run("with_progress helm bash -c 'exit 7'");
    expect(status).toBe(7);
    expect(stderr).toMatch(/helm: failed after \d+ s \(exit 7\)/);
  });
});
