// An informer that keeps itself alive. client-node's informer stops on errors other than 410 Gone;
// this wrapper restarts it with backoff, counts restarts, and says when the first list has completed.
import {
  makeInformer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
} from "@kubernetes/client-node";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";

export type ObjectHandler<T> = (
  object: T,
  verb: "add" | "update" | "delete",
) => void;

export interface ResilientInformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** Watch path, for example /apis/apps/v1/deployments or /apis/apps/v1/namespaces/apps/deployments. */
  path: string;
  list: ListPromise<T>;
  clock: Clock;
  logger: Logger;
  onEvent: ObjectHandler<T>;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer;
  private readonly options: ResilientInformerOptions<T>;
  private isSynced = false;
  private stopped = false;
  private failures = 0;
  restarts = 0;

  /** Constructing does no I/O; start() does. */
  constructor(options: ResilientInformerOptions<T>) {
    this.options = options;
    this.informer = makeInformer(options.kc, options.path, options.list);
    for (const verb of ["add", "update", "delete"] as const) {
      this.informer.on(verb, (object) => options.onEvent(object, verb));
    }
    this.informer.on("connect", () => {
      this.failures = 0;
    });
    this.informer.on("error", (error) => this.restartLater(error));
  }

  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.informer.start();
      this.isSynced = true;
    } catch (error) {
      this.restartLater(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  synced(): boolean {
    return this.isSynced;
  }

  /** Objects in the cache (all namespaces, or one). */
  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get(name: string, namespace: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.restarts++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
    this.options.logger.warn(
      { path: this.options.path, err: errorMessage(error), retryInMs: delay },
      "watch failed, restarting",
    );
    this.options.clock.setTimer(delay, () => {
      if (!this.stopped) void this.start();
    });
  }
}
