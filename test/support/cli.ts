// `kubectl siskin ...` run as a process against the test cluster, as a person or a CI job runs it.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { clusterState } from "./cluster.ts";

const run = promisify(execFile);

export const cliEntry = join(repoRoot, "src/cli/main.ts");

/** Exit code and what it printed (stdout and stderr). */
export async function kubectlSiskin(
  namespace: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  return run(
    process.execPath,
    [
      cliEntry,
      `--kubeconfig=${clusterState().kubeconfig}`,
      "-n",
      namespace,
      ...args,
    ],
    { timeout: 120_000 },
  ).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: `${e.stdout}${e.stderr}`,
    }),
  );
}
