// A reconcile that keeps failing (a write the API server refuses: an admission policy, a quota, a
// conflict that does not clear) is said where users look, not only in the operator's log: after
// `threshold` failures in a row, a Warning Event (ReconcileFailed) and a ReconcileFailed condition on
// the Canary, both with the error. The next reconcile that gets through clears the condition (the
// reconciler filters it out of its status write).
import { canaryReference } from "../api/identity.ts";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import { eventReasons, reconcileFailedCondition } from "../analysis/reasons.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { ObjectWriter } from "../kube/objects.ts";

type Condition = NonNullable<CanaryStatus["conditions"]>[number];

interface FailureDeps {
  events: EventRecorder;
  writer: Pick<ObjectWriter, "patchCanaryStatus">;
  lookup: (key: string) => Canary | undefined;
  clock: Clock;
}

export class ReconcileFailures {
  private readonly inARow = new Map<string, number>();
  private readonly deps: FailureDeps;
  private readonly threshold: number;

  constructor(deps: FailureDeps, threshold = 3) {
    this.deps = deps;
    this.threshold = threshold;
  }

  succeeded(key: string): void {
    this.inARow.delete(key);
  }

  /**
   * Counts a failure; at the threshold, says so on the Canary (best effort: that write may fail too).
   * One that will not be retried (the API server refused the write as invalid or forbidden) is said at
   * once: nothing changes until the cluster or the Canary does.
   */
  async failed(key: string, error: unknown, retriable: boolean): Promise<void> {
    const count = (this.inARow.get(key) ?? 0) + 1;
    this.inARow.set(key, count);
    if (count !== (retriable ? this.threshold : 1)) return;
    const canary = this.deps.lookup(key);
    if (!canary) return;
    const message = retriable
      ? `reconcile failed ${count} times in a row: ${errorMessage(error)}; retrying with backoff`
      : `reconcile failed: ${errorMessage(error)}; tried again when the Canary or its objects change`;
    await this.deps.events.record(
      canaryReference(canary),
      "Warning",
      eventReasons.reconcileFailed,
      message,
    );
    const now = this.deps.clock.now().toISOString();
    const condition: Condition = {
      type: reconcileFailedCondition,
      status: "True",
      reason: eventReasons.reconcileFailed,
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    };
    const others = (canary.status?.conditions ?? []).filter(
      (c) => c.type !== reconcileFailedCondition,
    );
    await this.deps.writer.patchCanaryStatus(
      canary.metadata.namespace,
      canary.metadata.name,
      { conditions: [...others, condition] },
    );
  }

  forget(key: string): void {
    this.inARow.delete(key);
  }
}

/** The status without a ReconcileFailed condition: the reconcile got through. */
export function withoutFailure(status: CanaryStatus): CanaryStatus {
  if (!status.conditions?.some((c) => c.type === reconcileFailedCondition))
    return status;
  return {
    ...status,
    conditions: status.conditions.filter(
      (c) => c.type !== reconcileFailedCondition,
    ),
  };
}
