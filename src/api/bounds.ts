// How much one Canary or MetricTemplate may ask for: each entry is work at every analysis step (a query,
// a webhook call) and bytes in etcd. The CRD schemas carry these (the API server refuses more at
// admission) and resolve checks them again for objects stored before the schema said so.
export const specBounds = {
  /** analysis.metrics */
  metrics: 50,
  /** analysis.webhooks */
  webhooks: 50,
  /** analysis.alerts */
  alerts: 20,
  /** A query (inline or a MetricTemplate's), characters. */
  queryLength: 16_384,
  /** A webhook URL or a provider address, characters. */
  urlLength: 2048,
  /** The longest a webhook may take: the load tester's blocking tasks (acceptance tests) run this long. */
  hookTimeoutMs: 3_600_000,
  /** The longest analysis interval. */
  intervalMs: 24 * 3_600_000,
} as const;

/** A query as copied into an Event or the Canary's status: long queries are cut. */
export const shownQueryLength = 500;
