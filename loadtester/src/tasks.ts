// Tasks sent by webhooks (POST / with metadata.type and metadata.cmd):
//   cmd  - started in the background; the same command for the same canary runs once at a time, so a
//          `hey -z 2m ...` sent every interval does not pile up. Answers 202 at once.
//   bash - run to the end (or its timeout); exit status 0 answers 200, anything else 400 with output.
// `hey ...` commands run in the built-in load generator; others go to bash, after the allow-list check.
import { spawn } from "node:child_process";
import type { Logger } from "pino";
import { checkCommand, type CommandPolicy } from "./allow.ts";
import { parseHey, type LoadPlan } from "./hey-args.ts";
import { runLoad, type LoadObserver } from "./load.ts";

export const taskTypes = ["cmd", "bash"] as const;
export type TaskType = (typeof taskTypes)[number];

export interface Task {
  type: TaskType;
  command: string;
  canary: { name: string; namespace: string };
  timeoutMs: number;
  logOutput: boolean;
}

export interface TaskAnswer {
  status: number;
  body: string;
}

export interface TaskRunnerOptions {
  policy: CommandPolicy;
  logger: Logger;
  observer: LoadObserver;
  onTaskEnd(type: TaskType, result: "success" | "failure"): void;
}

const outputLimit = 4000;

export class TaskRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly blocking = new Set<AbortController>();
  private readonly options: TaskRunnerOptions;

  constructor(options: TaskRunnerOptions) {
    this.options = options;
  }

  /** Number of background tasks in flight (for /metrics and shutdown). */
  get inFlight(): number {
    return this.running.size;
  }

  async handle(task: Task): Promise<TaskAnswer> {
    const verdict = checkCommand(task.command, this.options.policy);
    if (!verdict.ok) {
      this.options.logger.warn(
        { canary: task.canary, cmd: task.command, reason: verdict.reason },
        "command refused",
      );
      return { status: 403, body: `command refused: ${verdict.reason}` };
    }
    const isHey = /^\s*hey\s/.test(task.command);
    const hey = isHey ? parseHey(task.command.trim()) : undefined;
    if (hey && !hey.ok)
      return { status: 400, body: `cannot run hey: ${hey.error}` };
    const plan = hey?.ok ? hey.plan : undefined;
    if (task.type === "bash") {
      const controller = new AbortController();
      this.blocking.add(controller);
      const signal = AbortSignal.any([
        controller.signal,
        AbortSignal.timeout(task.timeoutMs),
      ]);
      const outcome = await this.run(task, plan, signal).finally(() =>
        this.blocking.delete(controller),
      );
      return { status: outcome.ok ? 200 : 400, body: outcome.output };
    }
    const key = `${task.canary.namespace}/${task.canary.name}:${task.command}`;
    if (this.running.has(key)) return { status: 202, body: "already running" };
    const controller = new AbortController();
    this.running.set(key, controller);
    const signal = AbortSignal.any([
      controller.signal,
      AbortSignal.timeout(task.timeoutMs),
    ]);
    void this.run(task, plan, signal).finally(() => this.running.delete(key));
    return { status: 202, body: "started" };
  }

  /** Stops every task, background and blocking (shutdown): nothing outlives the load tester. */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
    for (const controller of this.blocking) controller.abort();
  }

  private async run(
    task: Task,
    plan: LoadPlan | undefined,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; output: string }> {
    const log = this.options.logger.child({
      canary: `${task.canary.namespace}/${task.canary.name}`,
      type: task.type,
    });
    log.info({ cmd: task.command }, "task started");
    let outcome: { ok: boolean; output: string };
    if (plan) {
      const summary = await runLoad(plan, signal, this.options.observer);
      log.info({ summary }, "load test finished");
      // Like hey, the run itself succeeds whatever the responses were; the metrics judge them.
      outcome = { ok: true, output: JSON.stringify(summary) };
    } else {
      outcome = await runShell(task.command, signal);
      log.info(
        {
          ok: outcome.ok,
          ...(task.logOutput ? { output: outcome.output } : {}),
        },
        "task finished",
      );
    }
    this.options.onTaskEnd(task.type, outcome.ok ? "success" : "failure");
    return outcome;
  }
}

/** bash -c, output (stdout then stderr) kept up to a limit; killed when the signal aborts. */
function runShell(
  command: string,
  signal: AbortSignal,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout ends the whole pipeline (curl | grep), not just bash.
    const child = spawn("bash", ["-c", command], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    if (signal.aborted) kill();
    signal.addEventListener("abort", kill, { once: true });
    let output = "";
    const keep = (chunk: Buffer) => {
      if (output.length < outputLimit) output += chunk.toString("utf8");
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) => {
      resolve({
        ok: false,
        output: signal.aborted ? "timed out" : error.message,
      });
    });
    child.on("close", (code, sig) => {
      signal.removeEventListener("abort", kill);
      const text = output.slice(0, outputLimit).trim();
      if (signal.aborted)
        return resolve({
          ok: false,
          output: `timed out${text ? `: ${text}` : ""}`,
        });
      resolve({
        ok: code === 0,
        output:
          code === 0
            ? text
            : `exit status ${code ?? sig}${text ? `: ${text}` : ""}`,
      });
    });
  });
}
