// Tasks sent by webhooks (POST / with metadata.type and metadata.cmd):
//   cmd  - started in the background; the same command for the same canary runs once at a time, so a
//          `hey -z 2m ...` sent every interval does not pile up. Answers 202 at once.
//   bash - run to the end (or its timeout); exit status 0 answers 200, anything else 400 with output.
// `hey ...` runs in the built-in load generator; other commands are planned by the command policy and
// spawned directly (or by bash with --allow-any-command; see command.ts and run-plan.ts).
import type { Logger } from "pino";
import {
  planCommand,
  type CommandPlan,
  type CommandPolicy,
} from "./command.ts";
import { parseHey, type LoadPlan } from "./hey-args.ts";
import { runPlan } from "./run-plan.ts";
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
    const verdict = planCommand(task.command, this.options.policy);
    if (!verdict.ok) {
      this.options.logger.warn(
        { canary: task.canary, cmd: task.command, reason: verdict.reason },
        "command refused",
      );
      return { status: 403, body: `command refused: ${verdict.reason}` };
    }
    const usesHey =
      verdict.plan.kind === "direct" &&
      verdict.plan.pipelines.some((p) =>
        p.commands.some((c) => c[0] === "hey"),
      );
    const onlyHey =
      verdict.plan.kind === "direct" &&
      verdict.plan.pipelines.length === 1 &&
      verdict.plan.pipelines[0]?.commands.length === 1;
    if (usesHey && !onlyHey)
      return {
        status: 403,
        body: "command refused: hey runs in the built-in load generator and cannot be combined with other commands",
      };
    const hey = usesHey ? parseHey(task.command.trim()) : undefined;
    if (hey && !hey.ok)
      return { status: 400, body: `cannot run hey: ${hey.error}` };
    const load = hey?.ok ? hey.plan : undefined;
    const plan = verdict.plan;
    if (task.type === "bash") {
      const controller = new AbortController();
      this.blocking.add(controller);
      const signal = AbortSignal.any([
        controller.signal,
        AbortSignal.timeout(task.timeoutMs),
      ]);
      const outcome = await this.run(task, load, plan, signal).finally(() =>
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
    void this.run(task, load, plan, signal).finally(() =>
      this.running.delete(key),
    );
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
    log.info({ cmd: task.command }, "task started");
    let outcome: { ok: boolean; output: string };
    if (load) {
      const summary = await runLoad(load, signal, this.options.observer);
      log.info({ summary }, "load test finished");
      // Like hey, the run itself succeeds whatever the responses were; the metrics judge them.
      outcome = { ok: true, output: JSON.stringify(summary) };
    } else {
      outcome = await runPlan(plan, signal);
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
