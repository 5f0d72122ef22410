// What one request may ask of the load tester. Every tenant shares one process, so a task that asks for
// more than these is refused (400) and a task past the running caps waits for a slot (429), instead
// of one webhook taking the process, its sockets or its memory for everyone.
export interface LoadTesterLimits {
  /** Tasks running at once, all canaries (cmd in the background and bash). */
  maxTasks: number;
  /** Tasks running at once for one namespace, so one tenant cannot hold every slot. */
  maxTasksPerNamespace: number;
  /** hey -c: workers (and sockets) of one load test. */
  maxConcurrency: number;
  /** hey -n: requests of one load test. */
  maxRequests: number;
  /** hey -z: how long one load test may run, ms. */
  maxDurationMs: number;
  /** hey -t: one request's timeout, ms. */
  maxRequestTimeoutMs: number;
  /** metadata.timeout may ask for less than --task-timeout, never more. */
  taskTimeoutMs: number;
  /** Gates open at once (the gate store is one ConfigMap of at most 1 MiB). */
  maxOpenGates: number;
  /** metadata.cmd length, bytes. */
  maxCommandBytes: number;
}

export const defaultLimits: LoadTesterLimits = {
  maxTasks: 32,
  maxTasksPerNamespace: 8,
  maxConcurrency: 500,
  maxRequests: 1_000_000,
  maxDurationMs: 3_600_000,
  maxRequestTimeoutMs: 300_000,
  taskTimeoutMs: 3_600_000,
  maxOpenGates: 1000,
  maxCommandBytes: 16_384,
};
