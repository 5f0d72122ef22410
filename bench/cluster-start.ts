// Benchmark: warm start of the local control plane (binaries cached) and its resident memory.
import { ensureBinaries, startCluster } from "../dev/cluster/cluster.ts";
import { residentBytes } from "../dev/cluster/process.ts";

export interface ClusterStartResult {
  startSeconds: number[];
  residentMiB: Record<string, number>;
}

const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export async function benchClusterStart(
  runs: number,
): Promise<ClusterStartResult> {
  const binDir = await ensureBinaries();
  const startSeconds: number[] = [];
  let residentMiB: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const cluster = await startCluster({ binDir });
    try {
      startSeconds.push(cluster.state.startSeconds);
      // Memory once the control plane has settled (informers synced, CRDs served).
      await new Promise((resolve) => setTimeout(resolve, 5000));
      residentMiB = Object.fromEntries(
        cluster.components.map((c) => [c.name, mib(residentBytes(c.pid))]),
      );
      residentMiB.total = mib(cluster.residentBytes());
    } finally {
      await cluster.stop({ removeDir: true });
    }
  }
  return { startSeconds, residentMiB };
}
