// The load tester's own metrics: generated requests (by status code) and their latency, tasks run.
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from "prom-client";
import type { LoadObserver } from "./load.ts";
import type { TaskType } from "./tasks.ts";

export class LoadTesterMetrics implements LoadObserver {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "loadtester_requests_total",
    help: "Requests sent by the load generator, by response status code (error = no response).",
    labelNames: ["code"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "loadtester_request_duration_seconds",
    help: "Latency of the load generator's requests.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly tasks = new Counter({
    name: "loadtester_tasks_total",
    help: "Webhook tasks by type and result (success, failure, refused).",
    labelNames: ["type", "result"],
    registers: [this.registry],
  });

  constructor(running: () => number) {
    new Gauge({
      name: "loadtester_tasks_running",
      help: "Background (cmd) tasks in flight.",
      registers: [this.registry],
      collect() {
        this.set(running());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  request(status: string, seconds: number): void {
    this.requests.inc({ code: status });
    this.latency.observe(seconds);
  }

  task(
    type: TaskType | "unknown",
    result: "success" | "failure" | "refused",
  ): void {
    this.tasks.inc({ type, result });
  }
}
