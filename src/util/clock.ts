/** Time, injected everywhere decisions or timers depend on it, so tests can control it. */
export interface Clock {
  /** Wall time: for what is written down (timestamps), never for measuring how long something took. */
  now(): Date;
  /**
   * Milliseconds on a clock that only moves forward at a steady rate (NTP steps and manual changes of the
   * wall clock do not move it): for deadlines and durations.
   */
  monotonicMs(): number;
  /** Runs `callback` after `ms`; returns a cancel function. */
  setTimer(ms: number, callback: () => void): () => void;
}

/** Node fires a timer of more than 2^31 - 1 ms after 1 ms; longer waits are chained. */
const maxTimerMs = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimer: (ms, callback) => {
    let timer: NodeJS.Timeout;
    const arm = (left: number) => {
      timer = setTimeout(
        left > maxTimerMs ? () => arm(left - maxTimerMs) : callback,
        Math.min(Math.max(0, left), maxTimerMs),
      );
      timer.unref?.();
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
};
