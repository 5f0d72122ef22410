// status.lastStepTime is written on the clock of whichever replica led at the time. After a takeover
// by a replica whose clock runs behind the writer's, that time lies in the new leader's future, and
// counting the interval from it would stall the step by the skew. Such a time is instead counted from
// the moment this process first saw it (its own clock), so a takeover never lengthens a step by more
// than the time the lease changed hands. The next step is written on this clock, and the entry goes.
import type { CanaryStatus } from "../api/canary.ts";

export class StepTimes {
  private readonly firstSeen = new Map<
    string,
    { written: string; seenAt: Date }
  >();

  /** The status with lastStepTime moved onto this process's clock when it lies in the future. */
  onOurClock(key: string, status: CanaryStatus, now: Date): CanaryStatus {
    const written = status.lastStepTime;
    if (!written || Date.parse(written) <= now.getTime()) {
      this.firstSeen.delete(key);
      return status;
    }
    let seen = this.firstSeen.get(key);
    if (seen?.written !== written)
      this.firstSeen.set(key, (seen = { written, seenAt: now }));
    return { ...status, lastStepTime: seen.seenAt.toISOString() };
  }

  /** Drops what is kept for a Canary that is gone. */
  forget(key: string): void {
    this.firstSeen.delete(key);
  }
}
