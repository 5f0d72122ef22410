// Runs what a reconcile announces after its status write (events, notifications, post-rollout and
// event hooks) in the background, in order per Canary, so a slow chat tool or webhook never holds a
// reconcile worker. Announcements follow the status write: a crash can lose one, never repeat a step.
import type { Logger } from "../telemetry/logger.ts";
import { errorMessage } from "../util/errors.ts";

export class Announcer {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Queues `work` after the Canary's earlier announcements. */
  add(key: string, work: () => Promise<void>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) =>
        this.logger.warn(
          { canary: key, err: errorMessage(error) },
          "announcement failed",
        ),
      )
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Resolves when everything queued so far has been sent (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}
