// V8 flags the operator runs with: the Dockerfile's ENTRYPOINT passes them to node, and so do the tests
// and benchmarks that start the operator (dev/services/operator.ts), so what is measured is what ships;
// a test checks the Dockerfile against this list.
//
// --max-semi-space-size=1 (MiB): V8 grows the young generation up to 16 MiB per semi-space under
// allocation bursts (a fleet initializing) and keeps it; with 1 MiB, an idle 1,000-canary operator
// holds 113-118 MiB instead of 125 (npm run bench:fleet), at the cost of more frequent, short
// scavenges while busy.
// --expose-gc: the operator compacts its heap once, 30 s after a burst of reconciles ends
// (util/idle-compaction.ts), instead of holding what the burst grew until V8's memory reducer runs.
// --no-opt --no-maglev: V8 runs the operator's JavaScript in its interpreter and baseline compiler
// (Sparkplug) only. The operator waits on the network; its hot paths are JSON and TLS (C++), and its
// JavaScript is not CPU-bound. The optimizing compilers cost memory whether or not they pay: their own
// code paged in from the node binary and the code they emit. An idle 300-canary operator holds 80 MiB
// instead of 92-93 MiB (npm run bench:fleet; docs/fleet.md has the CPU it costs while busy).
export const operatorNodeFlags = [
  "--max-semi-space-size=1",
  "--expose-gc",
  "--no-opt",
  "--no-maglev",
];

// Environment the operator runs with, passed the same ways. MALLOC_ARENA_MAX=2: glibc gives each thread
// that contends for malloc an arena of its own (up to 8 per core) and keeps what they grew; Node's
// worker threads (GC helpers, libuv) held ~11 MiB in five of them in an idle 1,000-canary operator.
export const operatorEnv: Record<string, string> = { MALLOC_ARENA_MAX: "2" };
