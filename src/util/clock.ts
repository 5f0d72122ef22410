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

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};
