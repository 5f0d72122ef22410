// The shipped `siskin` command: compiled dist/, started with node, as the container image does.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { clusterState, eventually } from "../support/cluster.ts";
import { operatorNodeFlags } from "../../src/node-flags.ts";

const run = promisify(execFile);
const command = join(repoRoot, "dist/src/main.js");

beforeAll(async () => {
  if (!existsSync(command))
    await run(process.execPath, [
      join(repoRoot, "node_modules/typescript/bin/tsc"),
      "-p",
      join(repoRoot, "tsconfig.build.json"),
    ]);
}, 120_000);

describe("siskin command (dist/)", () => {
  it("lists every flag problem at start-up and exits 2", async () => {
    const attempt = run(process.execPath, [
      command,
      "--mesh-provider=istoi",
      "--log-level=loud",
      "--metrics-server=nope",
    ]);
    await expect(attempt).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /invalid flags:\n {2}- --mesh-provider: unknown provider "istoi"; supported: gloo, gatewayapi:v1, gatewayapi:v1beta1, kubernetes\n {2}- --metrics-server: .*\n {2}- --log-level: "loud" is not one of debug, info, warn, error \(or Flagger's warning, dpanic, panic, fatal\)\n$/,
      ),
    });
  });

  it("starts against the cluster, becomes ready, and stops on SIGTERM", async () => {
    const slackUrl = "http://127.0.0.1:9/services/SECRET/WEBHOOK";
    const proc = new ComponentProcess(
      "siskin",
      process.execPath,
      [
        command,
        `--kubeconfig=${clusterState().kubeconfig}`,
        "--port=0",
        "--mesh-provider=gloo",
        `--slack-url=${slackUrl}`,
      ],
      join(clusterState().dir, "siskin-command.log"),
    );
    try {
      const port = await eventually(
        async () => /"port":(\d+)/.exec(await readLog(proc.logPath))?.[1],
        { what: "port in log" },
      );
      await eventually(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        { what: "/readyz 200" },
      );
    } finally {
      await proc.stop();
    }
    expect(proc.exit).toEqual({ code: 0, signal: null });
    const log = await readLog(proc.logPath);
    expect(log).toMatch(/"msg":"informers synced"/);
    expect(log).not.toContain("SECRET/WEBHOOK");
  });
});

describe("siskin command started bare (no node flags, no environment)", () => {
  it("runs with its own V8 flags and malloc setting, and keeps asking an API server that does not answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-bare-"));
    const kubeconfig = join(dir, "kubeconfig");
    // An API server address where nothing listens (a closed loopback port).
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: c, context: {cluster: c, user: u}}]",
        "current-context: c",
      ].join("\n"),
    );
    // Unset (spawn leaves out undefined values), whatever the test runner's environment holds.
    const env = { MALLOC_ARENA_MAX: undefined, SISKIN_RELAUNCHED: undefined };
    const proc = new ComponentProcess(
      "siskin",
      process.execPath,
      [command, `--kubeconfig=${kubeconfig}`, "--port=0"],
      join(dir, "siskin.log"),
      env,
    );
    try {
      // The same process (pid), replaced with the flags and the setting the image starts it with.
      const pid = proc.pid;
      const commandLine = async () =>
        readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const cmdline = await eventually(
        async () =>
          (await commandLine()).includes("--expose-gc") && commandLine(),
        { what: "the operator's command line with its flags" },
      );
      expect(
        cmdline.split("\0").slice(1, 1 + operatorNodeFlags.length),
      ).toEqual(operatorNodeFlags);
      expect(
        readFileSync(`/proc/${pid}/environ`, "utf8").split("\0"),
      ).toContain("MALLOC_ARENA_MAX=2");
      // Discovery fails and is asked again, with backoff: the process is still there for the third try
      // (it used to exit 0 after the first, nothing holding its event loop).
      await eventually(
        async () => /"attempt":3/.test(await readLog(proc.logPath)),
        { what: "a third discovery attempt" },
      );
      expect(proc.exit).toBeUndefined();
    } finally {
      await proc.stop();
    }
  });
});

async function readLog(path: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(path, "utf8").catch(() => "");
}
