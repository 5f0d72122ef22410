/** One metrics backend. A value of undefined means "no data" (empty result or NaN), never zero. */
export interface MetricProvider {
  /** Runs one query; rejects with a SiskinError on transport, auth or query errors. */
  query(query: string, signal: AbortSignal): Promise<number | undefined>;
  /** A cheap call that tells whether the backend answers (used at initialization). */
  isOnline(signal: AbortSignal): Promise<boolean>;
}
