// What the dashboard lets one visitor, one user and everyone together cost the operator. The dashboard
// shares a process with the controller, so each of these turns an unbounded cost into a refusal (429)
// or a dropped stream. docs/dashboard.md lists them.
import type { RateSpec } from "../util/rate-bucket.ts";

export interface DashboardLimits {
  /** Logins (each a TokenReview) per client address. */
  loginsPerSource: RateSpec;
  /** Logins from everyone together. */
  loginsOverall: RateSpec;
  /** Client addresses whose login rate is remembered (least recently seen forgotten first). */
  loginSources: number;
  /** Live sessions per user: the user's next login ends their oldest. */
  sessionsPerUser: number;
  /** Live sessions issued by this replica: past it, logins are refused; no one is logged out. */
  sessions: number;
  /** Logged-out sessions remembered until they expire (shared by replicas through the session Secret). */
  revocations: number;
  /** Event streams per session, and overall. */
  streamsPerSession: number;
  streams: number;
  /** A stream whose reader has this many bytes not yet taken is dropped (the page reconnects). */
  streamBufferBytes: number;
  /** Access-review answers kept (all sessions together). */
  accessAnswers: number;
  /** The dashboard's own API budget (TokenReviews, SubjectAccessReviews, request writes, Events). */
  apiPerSecond: number;
  apiBurst: number;
}

export const defaultDashboardLimits: DashboardLimits = {
  loginsPerSource: { perSecond: 1 / 6, burst: 10 },
  loginsOverall: { perSecond: 5, burst: 20 },
  loginSources: 10_000,
  sessionsPerUser: 10,
  sessions: 10_000,
  revocations: 2000,
  streamsPerSession: 4,
  streams: 500,
  streamBufferBytes: 1 << 20,
  accessAnswers: 10_000,
  apiPerSecond: 20,
  apiBurst: 40,
};
