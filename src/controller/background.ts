// Work a reconcile starts and does not wait for, in one place: an analysis step's hooks and checks,
// what a reconcile announces after its status write (events, notifications, post-rollout hooks), the
// provider reachability check of a new Canary. A slow chat tool, webhook or metrics server therefore
// never holds a reconcile worker. Each piece of work belongs to a Canary; a failure is logged here with
// the Canary and what failed, never thrown into the process.
//
//   run(key, what, work)    starts at once, beside the Canary's other work; its result lives in memory
//                           only, so shutdown does not wait for it (a restart simply starts it again)
//   queue(key, what, work)  runs after the Canary's earlier queued work, in order; shutdown waits for
//                           it (drain), so an announcement made before SIGTERM is delivered
import type { Logger } from "../telemetry/logger.ts";
import { errorMessage } from "../util/errors.ts";

export class BackgroundWork {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly logger: Logger;
  private inFlight = 0;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Starts `work` now. */
  run(key: string, what: string, work: () => Promise<void>): void {
    void this.guarded(key, what, work);
  }

  /** Starts `work` once the Canary's earlier queued work has finished (failed or not). */
  queue(key: string, what: string, work: () => Promise<void>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.guarded(key, what, work))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Resolves when all queued work so far has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Pieces of work running now (both kinds). */
  get running(): number {
    return this.inFlight;
  }

  private async guarded(
    key: string,
    what: string,
    work: () => Promise<void>,
  ): Promise<void> {
    this.inFlight++;
    try {
      await work();
    } catch (error) {
      this.logger.warn(
        { canary: key, err: errorMessage(error) },
        `${what} failed`,
      );
    } finally {
      this.inFlight--;
    }
  }
}
