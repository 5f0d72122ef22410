// `kubectl siskin ...` run as a process against the test cluster, as a person or a CI job runs it.
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { clusterState } from "./cluster.ts";

const run = promisify(execFile);

export const cliEntry = join(repoRoot, "src/cli/main.ts");

const cliArgs = (namespace: string, args: string[]) => [
  cliEntry,
  `--kubeconfig=${clusterState().kubeconfig}`,
  "-n",
  namespace,
  ...args,
];

export interface CliResult {
  code: number;
  /** stdout then stderr. */
  out: string;
}

/**
 * Starts `kubectl siskin ...` and returns once it has printed a line matching `started` (its signal that
 * it is under way, e.g. `wait`'s progress line on stderr), with the promise of its result.
 */
export async function startKubectlSiskin(
  namespace: string,
  started: RegExp,
  ...args: string[]
): Promise<{
  result: Promise<CliResult>;
  /** What it has printed so far (stdout then stderr). */
  output: () => string;
  /** Ends it as Ctrl-C would. */
  stop: () => void;
}> {
  const child = spawn(process.execPath, cliArgs(namespace, args), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let onOutput = () => {};
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    onOutput();
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, out: `${stdout}${stderr}` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    onOutput = () => {
      if (started.test(stdout) || started.test(stderr)) resolve();
    };
    void result.then(
      (r) => reject(new Error(`ended (${r.code}) before ${started}: ${r.out}`)),
      reject,
    );
  });
  return {
    result,
    output: () => `${stdout}${stderr}`,
    stop: () => child.kill("SIGINT"),
  };
}

/** Exit code and what it printed (stdout and stderr). */
export async function kubectlSiskin(
  namespace: string,
  ...args: string[]
): Promise<CliResult> {
  return run(process.execPath, cliArgs(namespace, args), {
    timeout: 120_000,
  }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: `${e.stdout}${e.stderr}`,
    }),
  );
}
