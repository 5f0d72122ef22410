// The CLI as a person runs it (a real process): per-command help, unknown flags and commands refused
// with exit 3, version, completion scripts, lint's exit codes. No cluster is needed for these.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { version } from "../version.ts";

const entry = join(import.meta.dirname, "main.ts");
async function cli(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return promisify(execFile)(process.execPath, [entry, ...args], {
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout,
      err: e.stderr,
    }),
  );
}

describe("kubectl-siskin's manners", () => {
  it("each command has its own help and flags; a flag of another command is refused (exit 3)", async () => {
    const help = await cli("get", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/-l, --selector <selector>/);
    expect(help.out).not.toMatch(/--reason/);
    const refused = await cli("get", "--reason", "x");
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/unknown option '--reason'/);
    expect((await cli("abort", "--help")).out).toMatch(/--reason <text>/);
    const unknown = await cli("promot", "podinfo");
    expect(unknown.code).toBe(3);
    expect(unknown.err).toMatch(/unknown command 'promot'/);
  }, 60_000);

  it("prints its version and completion scripts that complete Canary names", async () => {
    expect((await cli("version")).out.trim()).toBe(`kubectl-siskin ${version}`);
    expect((await cli("--version")).out.trim()).toBe(version);
    for (const shell of ["bash", "zsh", "fish"]) {
      const script = await cli("completion", shell);
      expect(script.code).toBe(0);
      expect(script.out).toMatch(/kubectl-siskin __canaries/);
      expect(script.out).toMatch(/promote/);
    }
    expect((await cli("completion", "tcsh")).code).toBe(3);
  }, 60_000);

  it("lint exits 0 on clean files and 1 naming each problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-lint-"));
    const good = join(
      import.meta.dirname,
      "../../examples/podinfo/canary.yaml",
    );
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: { name: web }\nspec:\n  targetRef: { kind: Deployment, name: web }\n  service: { port: 80 }\n  analysis: { interval: 1m, stepWeight: 10, maxWeight: 5 }\n",
    );
    expect((await cli("lint", good)).code).toBe(0);
    const failed = await cli("lint", good, bad);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/bad\.yaml: Canary web: spec\.analysis\./);
    expect(failed.out).toMatch(/2 Canaries checked: 1 problem/);
  }, 60_000);
});
