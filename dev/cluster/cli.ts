// npm run cluster:up / cluster:down: a local control plane a person can point kubectl at.
//   cluster:up   starts it (or finds it running), leaves it in the background, and prints
//                KUBECONFIG=/abs/path as its last line.
//   cluster:down stops every process cluster:up started and removes its folder.
import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertComponentsAlive,
  readClusterState,
  repoRoot,
  startCluster,
  stopClusterByState,
} from "./cluster.ts";

const clusterDir = join(
  tmpdir(),
  `siskin-cluster-up-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`,
);
const say = (message: string): void =>
  void process.stderr.write(`cluster: ${message}\n`);

async function up(): Promise<void> {
  const existing = readClusterState(clusterDir);
  if (existing) {
    try {
      assertComponentsAlive(existing);
      say(`already running (${existing.server})`);
      console.log(`KUBECONFIG=${existing.kubeconfig}`);
      return;
    } catch (error) {
      say(
        `found a broken cluster, replacing it: ${(error as Error).message.split("\n")[0]}`,
      );
      await stopClusterByState(existing);
    }
  }
  rmSync(clusterDir, { recursive: true, force: true });
  const cluster = await startCluster({ dir: clusterDir, log: say }).catch(
    (error: unknown) => {
      rmSync(clusterDir, { recursive: true, force: true }); // startCluster stopped what it had started
      throw error;
    },
  );
  cluster.detach();
  const mib = (cluster.residentBytes() / 1024 / 1024).toFixed(0);
  say(
    `ready in ${cluster.state.startSeconds.toFixed(1)}s, ${mib} MiB resident, API server ${cluster.state.server}`,
  );
  say(`logs in ${clusterDir}; stop it with: npm run cluster:down`);
  say(`a kubectl of the same version: ${cluster.state.binDir}/kubectl`);
  console.log(`KUBECONFIG=${cluster.state.kubeconfig}`);
}

async function down(): Promise<void> {
  const state = readClusterState(clusterDir);
  if (!state) {
    say(
      existsSync(clusterDir)
        ? "removing a cluster folder without state"
        : "no cluster is running",
    );
    rmSync(clusterDir, { recursive: true, force: true });
    return;
  }
  const stopped = await stopClusterByState(state);
  rmSync(clusterDir, { recursive: true, force: true });
  say(
    stopped.length > 0
      ? `stopped ${stopped.join(", ")}`
      : "nothing was running; cleaned up",
  );
}

const command = process.argv[2];
const commands: Record<string, () => Promise<void>> = { up, down };
const action = command ? commands[command] : undefined;
if (!action) {
  say(`usage: node test/cluster/cli.ts <${Object.keys(commands).join("|")}>`);
  process.exit(2);
}
action().catch((error: unknown) => {
  say(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
