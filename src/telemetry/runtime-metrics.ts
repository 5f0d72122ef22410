// How the operator itself is doing, with the names controller-runtime and client-go use, so the
// dashboards platform teams already have for operators work: the work queue, reconciles, API requests,
// watch restarts, plus prom-client's process and Node.js metrics.
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type Registry,
} from "prom-client";
import { registerEventLoopDelay } from "./event-loop-delay.ts";

const controller = "canary";
const eventLoopSamplingMs = 1000;
const latencyBuckets = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** What the work queue reports (see kube/queue.ts). */
export interface QueueMetrics {
  added(): void;
  depth(n: number): void;
  /** Seconds a key waited in the queue before a worker took it. */
  waited(seconds: number): void;
  /** Seconds a worker spent on a key. */
  worked(seconds: number): void;
  retried(): void;
}

export class RuntimeMetrics {
  private readonly reconcileTotal: Counter;
  private readonly reconcileErrors: Counter;
  private readonly reconcileTime: Histogram;
  private readonly queueDepth: Gauge;
  private readonly queueAdds: Counter;
  private readonly queueWait: Histogram;
  private readonly queueWork: Histogram;
  private readonly queueRetries: Counter;
  private readonly requests: Counter;
  private readonly requestLatency: Histogram;
  private watchRestarts: () => Record<string, number> = () => ({});
  private limiterWaits: () => Record<string, number> = () => ({});

  constructor(registry: Registry) {
    const registers = [registry];
    // Event-loop delay sampled once a second: the 10 ms default alone costs ~0.5 % of a core when idle.
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: eventLoopSamplingMs,
    });
    registerEventLoopDelay(registry, eventLoopSamplingMs);
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Reconciles by result (success, requeue_after, error)",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Reconciles that failed",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Seconds per reconcile",
      labelNames: ["controller"],
      buckets: latencyBuckets,
      registers,
    });
    this.queueDepth = new Gauge({
      name: "workqueue_depth",
      help: "Keys waiting in the work queue",
      labelNames: ["name"],
      registers,
    });
    this.queueAdds = new Counter({
      name: "workqueue_adds_total",
      help: "Keys added to the work queue",
      labelNames: ["name"],
      registers,
    });
    this.queueWait = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "Seconds a key waited before a worker took it",
      labelNames: ["name"],
      buckets: latencyBuckets,
      registers,
    });
    this.queueWork = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "Seconds a worker spent on a key",
      labelNames: ["name"],
      buckets: latencyBuckets,
      registers,
    });
    this.queueRetries = new Counter({
      name: "workqueue_retries_total",
      help: "Keys queued again after a failure",
      labelNames: ["name"],
      registers,
    });
    this.requests = new Counter({
      name: "rest_client_requests_total",
      help: "Kubernetes API requests by verb, resource and status code",
      labelNames: ["verb", "resource", "code"],
      registers,
    });
    this.requestLatency = new Histogram({
      name: "rest_client_request_duration_seconds",
      help: "Kubernetes API request latency (watches: until the server answered)",
      labelNames: ["verb", "resource"],
      buckets: latencyBuckets,
      registers,
    });
    const waits = () => this.limiterWaits();
    new Gauge({
      name: "siskin_rest_client_rate_limiter_wait_seconds",
      help: "Seconds API requests have waited in the client rate limiter since the operator started, by client (shared, lease)",
      labelNames: ["client"],
      registers,
      collect() {
        for (const [client, seconds] of Object.entries(waits()))
          this.set({ client }, seconds);
      },
    });
    const restarts = () => this.watchRestarts();
    new Gauge({
      name: "siskin_watch_restarts",
      help: "Times a resource's list/watch failed and was restarted since the operator started",
      labelNames: ["resource"],
      registers,
      collect() {
        for (const [resource, n] of Object.entries(restarts()))
          this.set({ resource }, n);
      },
    });
  }

  /** Where the client rate limiters' waits come from, seconds by client (shared, lease). */
  limiterWaitsFrom(source: () => Record<string, number>): void {
    this.limiterWaits = source;
  }

  /** Where the watch restart counts come from (the caches). */
  watchRestartsFrom(source: () => Record<string, number>): void {
    this.watchRestarts = source;
  }

  async timeReconcile<T>(work: () => Promise<T>): Promise<T> {
    const end = this.reconcileTime.startTimer({ controller });
    try {
      const result = await work();
      const requeue =
        result && typeof result === "object" && "requeueAfterMs" in result;
      this.reconcileTotal.inc({
        controller,
        result: requeue ? "requeue_after" : "success",
      });
      return result;
    } catch (error) {
      this.reconcileTotal.inc({ controller, result: "error" });
      this.reconcileErrors.inc({ controller });
      throw error;
    } finally {
      end();
    }
  }

  queue(name: string): QueueMetrics {
    return {
      added: () => this.queueAdds.inc({ name }),
      depth: (n) => this.queueDepth.set({ name }, n),
      waited: (s) => this.queueWait.observe({ name }, s),
      worked: (s) => this.queueWork.observe({ name }, s),
      retried: () => this.queueRetries.inc({ name }),
    };
  }

  kubeRequest(sample: {
    verb: string;
    resource: string;
    code: string;
    seconds: number;
  }): void {
    this.requests.inc({
      verb: sample.verb,
      resource: sample.resource,
      code: sample.code,
    });
    this.requestLatency.observe(
      { verb: sample.verb, resource: sample.resource },
      sample.seconds,
    );
  }
}
