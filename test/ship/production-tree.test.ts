// The container images' runtime contents, without a container engine: the same production tree the
// Dockerfile builds (`npm ci --omit=dev` + the compiled dist/) in a temporary folder, started with the
// Dockerfile's own ENTRYPOINT for each target. If a runtime dependency were only a devDependency, or
// dist/ missed a file, the operator would not become ready here.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { podinfoCanary } from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { operatorEnv, operatorNodeFlags } from "../../src/node-flags.ts";
import { podinfoDeployment } from "../fixtures/podinfo.ts";

const run = promisify(execFile);
const tree = mkdtempSync(join(tmpdir(), "siskin-image-"));

/** ENTRYPOINT (exec form) of a Dockerfile stage, e.g. ["node", "dist/src/main.js"]. */
/** The Dockerfile's lines of one stage. */
function stageOf(stage: string): string {
  const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const start = dockerfile.search(new RegExp(`^FROM .* AS ${stage}$`, "m"));
  const rest = dockerfile.slice(start);
  const next = rest.slice(1).search(/^FROM /m);
  return next === -1 ? rest : rest.slice(0, next + 1);
}

/** The stage's own ENV settings (NAME=value). */
function envOf(stage: string): Record<string, string> {
  return Object.fromEntries(
    [...stageOf(stage).matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [
      m[1] ?? "",
      m[2] ?? "",
    ]),
  );
}

function entrypoint(stage: string): string[] {
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(stageOf(stage))?.[1];
  if (!line) throw new Error(`no ENTRYPOINT in stage ${stage}`);
  return JSON.parse(line) as string[];
}

function start(stage: string, args: string[]): ComponentProcess {
  const [binary, ...rest] = entrypoint(stage);
  expect(binary).toBe("node");
  // The image runs the same node major as this test (node:24); its working directory is the tree.
  return new ComponentProcess(
    stage,
    process.execPath,
    [...rest.map((a) => (a.startsWith("-") ? a : join(tree, a))), ...args],
    join(tree, `${stage}.log`),
  );
}

beforeAll(async () => {
  if (!existsSync(join(repoRoot, "dist/src/main.js"))) {
    await run(process.execPath, [
      join(repoRoot, "node_modules/typescript/bin/tsc"),
      "-p",
      join(repoRoot, "tsconfig.build.json"),
    ]);
    await run(process.execPath, [join(repoRoot, "scripts/copy-static.ts")], {
      cwd: repoRoot,
    });
  }
  for (const file of ["package.json", "package-lock.json"])
    cpSync(join(repoRoot, file), join(tree, file));
  await run(
    "npm",
    [
      "ci",
      "--omit=dev",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ],
    {
      cwd: tree,
      timeout: 240_000,
    },
  );
  cpSync(join(repoRoot, "dist"), join(tree, "dist"), { recursive: true });
}, 300_000);

describe("production tree (what the Dockerfile ships)", () => {
  it("runs node with the operator's V8 flags and environment, as the tests and benchmarks do", () => {
    const [, ...args] = entrypoint("operator");
    expect(args.slice(0, -1)).toEqual(operatorNodeFlags);
    expect(envOf("operator")).toEqual(operatorEnv);
    expect(args.at(-1)).toBe("dist/src/main.js");
    // The dashboard's browser files are beside the compiled server.
    expect(existsSync(join(tree, "dist/src/dashboard/static/app.js"))).toBe(
      true,
    );
  });

  it("holds production dependencies only", () => {
    // The load tester's ConfigMap gate store and its allow-list parser are runtime dependencies.
    for (const runtime of ["@kubernetes/client-node", "shell-quote"])
      expect(existsSync(join(tree, "node_modules", runtime)), runtime).toBe(
        true,
      );
    for (const dev of ["vitest", "typescript", "eslint", "prettier"])
      expect(existsSync(join(tree, "node_modules", dev)), dev).toBe(false);
  });

  it("the operator target starts, syncs and initializes a Canary", async () => {
    const ns = await createTestNamespace("image");
    const port = await freeLoopbackPort();
    const operator = start("operator", [
      `--kubeconfig=${clusterState().kubeconfig}`,
      `--namespace=${ns.name}`,
      `--port=${port}`,
      "--mesh-provider=gloo",
      "--min-analysis-interval=1s",
    ]);
    try {
      await eventually(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        {
          what: `/readyz (log: ${operator.logPath})`,
        },
      );
      const api = new CanaryApi(kubeConfig(), ns.name);
      await api.apps.createNamespacedDeployment({
        namespace: ns.name,
        body: podinfoDeployment(ns.name),
      });
      const canary = podinfoCanary(ns.name, { interval: "1s", metrics: [] });
      delete canary.spec.autoscalerRef;
      await api.createCanary(canary);
      await eventually(
        async () => (await api.status()).phase === "Initialized",
        { what: "Initialized" },
      );
    } finally {
      await operator.stop();
      await ns.dispose();
    }
  });

  it("the loadtester target starts and answers", async () => {
    const port = await freeLoopbackPort();
    const loadtester = start("loadtester", [
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      `--gates-file=${join(tree, "gates.json")}`,
    ]);
    try {
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
        { what: "/healthz" },
      );
      const open = await fetch(`http://127.0.0.1:${port}/gate/open`, {
        method: "POST",
        body: JSON.stringify({ name: "podinfo", namespace: "apps" }),
      });
      expect(open.status).toBe(200);
      expect(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      ).toContain("loadtester_tasks_running");
    } finally {
      await loadtester.stop();
    }
  });
});
