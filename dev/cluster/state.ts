// The cluster's state on disk (state.json): lets another process (cluster:down, test workers) see which
// components run, check that they are alive, and stop them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive, signalGroup } from "./process.ts";
import { ComponentError } from "./wait.ts";

/** What a running cluster leaves on disk (`state.json`), so another process can use or stop it. */
export interface ClusterState {
  dir: string;
  binDir: string;
  kubeconfig: string;
  server: string;
  token: string;
  caFile: string;
  components: { name: string; pid: number; logPath: string }[];
  startSeconds: number;
  /** The API server's audit log, when it was started with one (the test cluster records router writes). */
  auditLogPath?: string;
}

/** Works from any process: checks the recorded pids, so a test fails naming a dead component. */
export function assertComponentsAlive(state: ClusterState): void {
  for (const component of state.components) {
    if (!isAlive(component.pid)) {
      throw new ComponentError(
        component.name,
        "is no longer running",
        component.logPath,
      );
    }
  }
}

export function saveState(state: ClusterState): void {
  writeFileSync(join(state.dir, "state.json"), JSON.stringify(state, null, 2));
}

export function readClusterState(dir: string): ClusterState | undefined {
  const file = join(dir, "state.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as ClusterState;
}

/**
 * Stops a cluster started by another process (cluster:down). Newest first and one at a time, as the
 * starting process does: the API server shuts down in about a second while etcd is still there, but
 * waits for etcd's timeouts if both go at once. SIGKILL after `graceMs` per component.
 */
export async function stopClusterByState(
  state: ClusterState,
  graceMs = 5000,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const component of [...state.components].reverse()) {
    if (!isAlive(component.pid) || !signalGroup(component.pid, "SIGTERM"))
      continue;
    stopped.push(component.name);
    const deadline = Date.now() + graceMs;
    while (isAlive(component.pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(component.pid)) signalGroup(component.pid, "SIGKILL");
  }
  return stopped;
}
