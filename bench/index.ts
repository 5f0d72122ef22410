// npm run bench: prints the numbers the project tracks. Targets are stated next to each number.
import { benchClusterStart } from "./cluster-start.ts";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const result = await benchClusterStart(runs);
const sorted = [...result.startSeconds].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
console.log(
  `cluster warm start: median ${median.toFixed(1)} s over ${runs} runs (target < 30 s)`,
);
console.log(
  `  runs: ${result.startSeconds.map((s) => s.toFixed(1)).join(", ")} s`,
);
console.log("cluster resident memory (MiB):");
for (const [name, value] of Object.entries(result.residentMiB))
  console.log(`  ${name.padEnd(24)} ${value}`);
