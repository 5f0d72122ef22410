/** Time, injected everywhere decisions or timers depend on it, so tests can control it. */
export interface Clock {
  now(): Date;
  /** Runs `callback` after `ms`; returns a cancel function. */
  setTimer(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};
