// The repository runs on its own: no tracked file refers to the shared folder beside the project
// (what developers read while they work). Only .ci/run may, to point the tests at the real Gloo CRDs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";

const sibling = ["..", "shared"].join("/"); // spelled apart, so this file does not name it

describe("self-contained repository", () => {
  it("no tracked file but .ci/run refers to the shared folder beside it", () => {
    const files = execFileSync("git", ["ls-files", "-z"], {
      cwd: repoRoot,
      encoding: "utf8",
    })
      .split("\0")
      .filter((f) => f && f !== ".ci/run" && f !== "package-lock.json");
    expect(files.length).toBeGreaterThan(50);
    const referring = files.filter((f) => {
      try {
        return readFileSync(join(repoRoot, f), "utf8").includes(sibling);
      } catch {
        return false; // a deleted file not yet committed, or a binary
      }
    });
    expect(referring).toEqual([]);
  });
});
