// Metric checks and webhook calls run beside the reconcile workers, not inside them: a reconcile that
// needs them for an analysis step starts them and returns; when they finish, their results are kept
// for that step and the Canary is queued again, and the next reconcile decides with them. A slow
// Prometheus or webhook therefore holds no worker, and each step starts when it is due however many
// canaries are analysing. Calls are bounded per provider (see FairSlots), so one slow backend cannot
// starve the others. Results live in memory only: after a restart the step simply gathers them again.
import type { CheckResult } from "../api/canary.ts";
import type { HookResult } from "../analysis/types.ts";
import type { Clock } from "../util/clock.ts";
import type { BackgroundWork } from "./background.ts";

export interface StepResults {
  hooks: HookResult[];
  checks?: CheckResult[];
  /** When gathering started: the step's time, so a step's duration does not push the next one back. */
  startedAt: Date;
}

interface Entry {
  step: string;
  results?: StepResults;
}

export class StepObservations {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly wake: (key: string) => void;
  private readonly background: BackgroundWork;

  /** `wake` queues a Canary again once its results are in (or gathering them failed). */
  constructor(
    clock: Clock,
    wake: (key: string) => void,
    background: BackgroundWork,
  ) {
    this.clock = clock;
    this.wake = wake;
    this.background = background;
  }

  /**
   * The results for `step` of Canary `key` when they are in (and forgets them: a step uses them once);
   * otherwise starts gathering them, unless that is already under way, and returns undefined.
   */
  resultsFor(
    key: string,
    step: string,
    gather: () => Promise<Omit<StepResults, "startedAt">>,
  ): StepResults | undefined {
    const entry = this.entries.get(key);
    if (entry?.step === step) {
      if (!entry.results) return undefined; // still gathering
      this.entries.delete(key);
      return entry.results;
    }
    // A different step (the Canary moved on, or no entry): gather for this one.
    const fresh: Entry = { step };
    this.entries.set(key, fresh);
    const startedAt = this.clock.now();
    this.background.run(key, "gathering a step's results", async () => {
      let results: Omit<StepResults, "startedAt">;
      try {
        results = await gather();
      } catch (error) {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
        this.wake(key); // the next reconcile gathers again
        throw error;
      }
      if (this.entries.get(key) !== fresh) return; // superseded
      fresh.results = { ...results, startedAt };
      this.wake(key);
    });
    return undefined;
  }

  /** Drops whatever is kept for a Canary (deleted, or its step no longer needs results). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** How many Canaries are gathering or holding results (a gauge). */
  get size(): number {
    return this.entries.size;
  }
}
