// kubectl-siskin installs without a clone: the package `npm pack` makes (after `npm run build`, which
// npm test runs first) is installed globally into a temporary prefix, with its dependencies from the
// npm registry, and its kubectl-siskin runs from there. docs/operations.md gives the same steps.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { version } from "../../src/version.ts";

const run = promisify(execFile);
const env = {
  ...process.env,
  // The installed bin runs "#!/usr/bin/env node": the Node this test runs on.
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
};

describe("the npm package", () => {
  it("npm pack, npm install -g, and kubectl-siskin runs from the prefix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-package-"));
    const packed = await run("npm", ["pack", "--pack-destination", dir], {
      cwd: repoRoot,
      env,
      timeout: 120_000,
    });
    const tarball = join(dir, packed.stdout.trim().split("\n").at(-1)!);
    const prefix = join(dir, "prefix");
    await run(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--omit=dev",
        "--no-audit",
        "--no-fund",
        tarball,
      ],
      { env, timeout: 300_000 },
    );
    const bin = join(prefix, "bin", "kubectl-siskin");
    expect((await run(bin, ["version"], { env })).stdout.trim()).toBe(
      `kubectl-siskin ${version}`,
    );
    const linted = await run(
      bin,
      ["lint", join(repoRoot, "examples/podinfo/canary.yaml")],
      { env },
    );
    expect(linted.stdout).toMatch(/1 Canary checked: no problems/);
  }, 420_000);
});
