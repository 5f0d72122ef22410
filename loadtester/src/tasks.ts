// Tasks sent by webhooks (POST / with metadata.type and metadata.cmd):
//   cmd  - started in the background; the same command for the same canary runs once at a time, so a
//          `hey -z 2m ...` sent every interval does not pile up. Answers 202 at once.
//   bash - run to the end (or its timeout); exit status 0 answers 200, anything else 400 with output.
// `hey ...` runs in the built-in load generator; other commands are planned by the command policy and
// spawned directly (or by bash with --allow-any-command; see command.ts and run-plan.ts).
// A task is checked whole before it is accepted (400/403 with the reason), runs only while a slot is
// free overall and for its namespace (429 otherwise), and nothing it does can end the process.
import type { Logger } from "pino";
import {
  planCommand,
  type CommandPlan,
  type CommandPolicy,
} from "./command.ts";
import { parseHey, type LoadPlan } from "./hey-args.ts";
import { runPlan } from "./run-plan.ts";
import type { LoadTesterLimits } from "./limits.ts";
import { runLoad, type LoadObserver } from "./load.ts";
import { redactCommand } from "./redact.ts";

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
  limits: LoadTesterLimits;
  logger: Logger;
  observer: LoadObserver;
  onTaskEnd(type: TaskType, result: "success" | "failure"): void;
}

/** A task checked and ready to run. */
interface Accepted {
  load: LoadPlan | undefined;
  plan: CommandPlan;
}

export class TaskRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly blocking = new Set<AbortController>();
  private readonly perNamespace = new Map<string, number>();
  private readonly options: TaskRunnerOptions;

  constructor(options: TaskRunnerOptions) {
    this.options = options;
  }

  /** Number of background tasks in flight (for /metrics and shutdown). */
  get inFlight(): number {
    return this.running.size;
  }

  /** The task's plan, or the answer that refuses it (nothing has run). */
  private check(task: Task): Accepted | TaskAnswer {
    const { limits, logger } = this.options;
    if (Buffer.byteLength(task.command) > limits.maxCommandBytes)
      return {
        status: 400,
        body: `metadata.cmd is longer than ${limits.maxCommandBytes} bytes`,
      };
    const verdict = planCommand(task.command, this.options.policy);
    if (!verdict.ok) {
      logger.warn(
        {
          canary: task.canary,
          cmd: redactCommand(task.command),
          reason: verdict.reason,
        },
        "command refused",
      );
      return { status: 403, body: `command refused: ${verdict.reason}` };
    }
    const plan = verdict.plan;
    const usesHey =
      plan.kind === "direct" &&
      plan.pipelines.some((p) => p.commands.some((c) => c[0] === "hey"));
    const onlyHey =
      plan.kind === "direct" &&
      plan.pipelines.length === 1 &&
      plan.pipelines[0]?.commands.length === 1;
    if (usesHey && !onlyHey)
      return {
        status: 403,
        body: "command refused: hey runs in the built-in load generator and cannot be combined with other commands",
      };
    if (!usesHey) return { load: undefined, plan };
    const hey = parseHey(task.command.trim(), limits);
    if (!hey.ok) return { status: 400, body: `cannot run hey: ${hey.error}` };
    return { load: hey.plan, plan };
  }

  /** Why no slot is free for the namespace, or undefined. */
  private full(namespace: string): TaskAnswer | undefined {
    const { maxTasks, maxTasksPerNamespace } = this.options.limits;
    if (this.running.size + this.blocking.size >= maxTasks)
      return {
        status: 429,
        body: `${maxTasks} tasks are running (--max-tasks); try again later`,
      };
    if ((this.perNamespace.get(namespace) ?? 0) >= maxTasksPerNamespace)
      return {
        status: 429,
        body: `${maxTasksPerNamespace} tasks are running for namespace ${namespace} (--max-tasks-per-namespace); try again later`,
      };
    return undefined;
  }

  /** Holds a slot for the namespace until the returned release is called. */
  private claim(namespace: string): () => void {
    this.perNamespace.set(
      namespace,
      (this.perNamespace.get(namespace) ?? 0) + 1,
    );
    return () => {
      const left = (this.perNamespace.get(namespace) ?? 1) - 1;
      if (left > 0) this.perNamespace.set(namespace, left);
      else this.perNamespace.delete(namespace);
    };
  }

  async handle(task: Task): Promise<TaskAnswer> {
    const accepted = this.check(task);
    if ("status" in accepted) return accepted;
    const { load, plan } = accepted;
    const namespace = task.canary.namespace;
    const key = `${namespace}/${task.canary.name}:${task.command}`;
    if (task.type === "cmd" && this.running.has(key))
      return { status: 202, body: "already running" };
    const full = this.full(namespace);
    if (full) return full;
    const release = this.claim(namespace);
    const controller = new AbortController();
    const signal = AbortSignal.any([
      controller.signal,
      AbortSignal.timeout(task.timeoutMs),
    ]);
    if (task.type === "bash") {
      this.blocking.add(controller);
      const outcome = await this.run(task, load, plan, signal).finally(() => {
        this.blocking.delete(controller);
        release();
      });
      return { status: outcome.ok ? 200 : 400, body: outcome.output };
    }
    this.running.set(key, controller);
    void this.run(task, load, plan, signal).finally(() => {
      this.running.delete(key);
      release();
    });
    return { status: 202, body: "started" };
  }

  /** Stops every task, background and blocking (shutdown): nothing outlives the load tester. */
  stopAll(): void {
    for (const controller of this.running.values()) controller.abort();
    for (const controller of this.blocking) controller.abort();
  }

  private async run(
    task: Task,
    load: LoadPlan | undefined,
    plan: CommandPlan,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; output: string }> {
    const log = this.options.logger.child({
      canary: `${task.canary.namespace}/${task.canary.name}`,
      type: task.type,
    });
    log.info({ cmd: redactCommand(task.command) }, "task started");
    let outcome: { ok: boolean; output: string };
    try {
      outcome = load
        ? await this.load(load, signal, log)
        : await runPlan(plan, signal);
    } catch (error) {
      // A bug in a task ends that task, never the process that serves every other tenant.
      log.error({ err: (error as Error).message }, "task failed to run");
      outcome = {
        ok: false,
        output: `task failed: ${(error as Error).message}`,
      };
    }
    if (!load)
      log.info(
        {
          ok: outcome.ok,
          ...(task.logOutput ? { output: outcome.output } : {}),
        },
        "task finished",
      );
    this.options.onTaskEnd(task.type, outcome.ok ? "success" : "failure");
    return outcome;
  }

  private async load(
    load: LoadPlan,
    signal: AbortSignal,
    log: Logger,
  ): Promise<{ ok: boolean; output: string }> {
    const summary = await runLoad(load, signal, this.options.observer);
    log.info({ summary }, "load test finished");
    // Like hey, the run succeeds whatever the responses were (the metrics judge them), unless no
    // request could be sent at all.
    return { ok: summary.error === undefined, output: JSON.stringify(summary) };
  }
}
