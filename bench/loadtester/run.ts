// npm run bench:loadtester: the real hey (Go, built from its module) and the load tester's built-in hey
// side by side, same flags, same local target, one after the other: requests per second, latency
// percentiles, and how exactly -q (rate per worker) and -z (duration) are kept. Loopback only, bounded.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = join(import.meta.dirname, "..", "..");
const node = process.execPath;
const hey = execFileSync("bash", [join(root, "scripts/hey.sh")], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
}).trim();

interface Result {
  requests: number;
  rps: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

/** hey's text summary: Requests/sec, Total, the latency distribution and the status code counts. */
function parseHeyOutput(text: string): Result {
  const number = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? NaN);
  const percentileMs = (p: number) =>
    number(new RegExp(`\\s${p}% in (\\S+) secs`)) * 1000;
  const codes = [...text.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
  const ok = codes.reduce(
    (sum, m) => sum + (m[1] === "200" ? Number(m[2]) : 0),
    0,
  );
  const all = codes.reduce((sum, m) => sum + Number(m[2]), 0);
  const errors = [...text.matchAll(/\[\d+\]\s+Get .*/g)].length;
  return {
    requests: all,
    rps: number(/Requests\/sec:\s+(\S+)/),
    seconds: number(/Total:\s+(\S+) secs/),
    p50: percentileMs(50),
    p90: percentileMs(90),
    p99: percentileMs(99),
    errors: errors + (all - ok),
  };
}

async function startTarget() {
  const child = spawn(node, [join(root, "bench/loadtester/target.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(
    createInterface({ input: child.stdout }),
    "line",
  )) as [string];
  return { url: `http://127.0.0.1:${line.trim()}/`, child };
}

function runHey(args: string[], url: string): Result {
  return parseHeyOutput(
    execFileSync(hey, [...args, url], { encoding: "utf8", maxBuffer: 1 << 24 }),
  );
}

function runOurs(args: string[], url: string): Result {
  const summary = JSON.parse(
    execFileSync(
      node,
      [join(root, "bench/loadtester/ours.ts"), ["hey", ...args, url].join(" ")],
      { encoding: "utf8" },
    ),
  ) as {
    requests: number;
    ratePerSecond: number;
    durationMs: number;
    statusCodes: Record<string, number>;
    latencyMs: { p50: number; p90: number; p99: number };
  };
  return {
    requests: summary.requests,
    rps: summary.ratePerSecond,
    seconds: summary.durationMs / 1000,
    p50: summary.latencyMs.p50,
    p90: summary.latencyMs.p90,
    p99: summary.latencyMs.p99,
    errors: summary.requests - (summary.statusCodes["200"] ?? 0),
  };
}

const row = (name: string, r: Result) =>
  `  ${name.padEnd(14)} ${String(Math.round(r.rps)).padStart(8)} req/s  ${String(r.requests).padStart(7)} requests in ${r.seconds.toFixed(2)} s  p50 ${r.p50.toFixed(2)} ms  p90 ${r.p90.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;

const target = await startTarget();
const rounds = Number(process.env.BENCH_RUNS ?? 3);
try {
  const scenarios: { label: string; args: string[]; expect?: string }[] = [
    {
      label: "as fast as possible: -z 5s -c 50",
      args: ["-z", "5s", "-c", "50"],
    },
    {
      label: "as fast as possible: -n 100000 -c 10",
      args: ["-n", "100000", "-c", "10"],
    },
    {
      label: "rate limited: -z 5s -c 10 -q 20 (expect 1000 requests in 5 s)",
      args: ["-z", "5s", "-c", "10", "-q", "20"],
    },
  ];
  for (const scenario of scenarios) {
    console.log(scenario.label);
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const real = runHey(scenario.args, target.url);
      const ours = runOurs(scenario.args, target.url);
      console.log(row(`hey (Go) #${round}`, real));
      console.log(row(`built-in #${round}`, ours));
      ratios.push(ours.rps / real.rps);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `  built-in / hey throughput: median ${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(2)}x (runs ${ratios.map((r) => r.toFixed(2)).join(", ")})`,
    );
  }
} finally {
  target.child.kill("SIGTERM");
}
