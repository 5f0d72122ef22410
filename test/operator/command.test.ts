// The shipped `siskin` command: compiled dist/, started with node, as the container image does.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { clusterState, eventually } from "../support/cluster.ts";

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

async function readLog(path: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(path, "utf8").catch(() => "");
}
