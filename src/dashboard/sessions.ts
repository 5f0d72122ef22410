// Dashboard sessions. A login (a TokenReview the API server accepted) gets a signed cookie holding the
// session id, who logged in and the expiry (session-cookie.ts), HttpOnly and SameSite=Strict. The bearer
// token itself is never kept: access checks are SubjectAccessReviews for the reviewed user. Any replica
// with the session key reads the cookie, so sessions survive a failover and work behind a Service with
// several pods. A logout is recorded in a revocation list the replicas share (session-secret.ts).
// Caps: a user's sessions (their next login ends their own oldest, nobody else's) and the sessions one
// replica issues (past it, new logins are refused; no one is logged out).
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../util/clock.ts";
import type { DashboardLimits } from "./limits.ts";
import {
  csrfOf,
  maxCookieValueBytes,
  readSession,
  signSession,
} from "./session-cookie.ts";

export interface DashboardUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface Session {
  id: string;
  user: DashboardUser;
  /** Sent back on every write (X-CSRF-Token); the page reads it from /api/session. */
  csrf: string;
  expiresAt: number;
}

/** Logged-out sessions, shared by the replicas. */
export interface RevocationList {
  has(id: string): boolean;
  /** Records a logout; the replica that answered knows at once, the others within a watch event. */
  add(id: string, expiresAt: number): Promise<void>;
  readonly size: number;
}

/** A revocation list of one replica (unit tests, and a dashboard without a session Secret). */
export function memoryRevocations(clock: Clock): RevocationList {
  const revoked = new Map<string, number>();
  return {
    has: (id) => {
      const until = revoked.get(id);
      return until !== undefined && until > clock.now().getTime();
    },
    add: async (id, expiresAt) => void revoked.set(id, expiresAt),
    get size() {
      return revoked.size;
    },
  };
}

export const sessionCookie = "siskin_session";

export type Login =
  { session: Session; cookie: string } | { refused: string; status: number };

interface Issued {
  id: string;
  expiresAt: number;
}

export class SessionStore {
  private readonly clock: Clock;
  readonly ttlMs: number;
  private readonly key: Buffer;
  private readonly limits: Pick<
    DashboardLimits,
    "sessions" | "sessionsPerUser" | "revocations"
  >;
  private readonly revocations: RevocationList;
  /** Live sessions this replica issued, by user: for the caps. */
  private readonly issued = new Map<string, Issued[]>();
  private issuedCount = 0;

  constructor(options: {
    clock: Clock;
    ttlMs: number;
    key: Buffer;
    limits: SessionStore["limits"];
    revocations: RevocationList;
  }) {
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
    this.key = options.key;
    this.limits = options.limits;
    this.revocations = options.revocations;
  }

  async create(user: DashboardUser): Promise<Login> {
    const now = this.clock.now().getTime();
    this.sweep(now);
    if (this.issuedCount >= this.limits.sessions)
      return {
        status: 503,
        refused: `the dashboard has ${this.limits.sessions} live sessions; try again when some expire`,
      };
    const mine = this.issued.get(user.username) ?? [];
    if (mine.length >= this.limits.sessionsPerUser) {
      if (this.revocations.size >= this.limits.revocations)
        return {
          status: 429,
          refused: `${user.username} has ${mine.length} sessions; log out of one first`,
        };
      // The user's own oldest session makes room; other users are never touched.
      const oldest = mine.shift();
      this.issuedCount--;
      if (oldest) await this.revocations.add(oldest.id, oldest.expiresAt);
    }
    const session: Session = {
      id: randomBytes(32).toString("base64url"),
      user,
      csrf: "",
      expiresAt: now + this.ttlMs,
    };
    session.csrf = csrfOf(this.key, session.id);
    const cookie = signSession(this.key, session);
    if (cookie.length > maxCookieValueBytes)
      return {
        status: 400,
        refused: `${user.username} belongs to too many groups to fit a session cookie`,
      };
    mine.push({ id: session.id, expiresAt: session.expiresAt });
    this.issued.set(user.username, mine);
    this.issuedCount++;
    return { session, cookie };
  }

  /** The live session a cookie value carries; a forged, expired or logged-out one gives undefined. */
  get(cookie: string | undefined): Session | undefined {
    const claims = readSession(this.key, cookie);
    if (!claims || claims.expiresAt <= this.clock.now().getTime())
      return undefined;
    if (this.revocations.has(claims.id)) return undefined;
    return { ...claims, csrf: csrfOf(this.key, claims.id) };
  }

  /** Logs a session out, on every replica. */
  async revoke(session: Session): Promise<void> {
    await this.revocations.add(session.id, session.expiresAt);
    const mine = this.issued.get(session.user.username);
    const at = mine?.findIndex((s) => s.id === session.id) ?? -1;
    if (mine && at >= 0) {
      mine.splice(at, 1);
      this.issuedCount--;
    }
  }

  /** Live sessions this replica issued. */
  get size(): number {
    this.sweep(this.clock.now().getTime());
    return this.issuedCount;
  }

  private sweep(now: number): void {
    for (const [user, sessions] of this.issued) {
      const live = sessions.filter((s) => s.expiresAt > now);
      this.issuedCount -= sessions.length - live.length;
      if (live.length > 0) this.issued.set(user, live);
      else this.issued.delete(user);
    }
  }
}

/** Constant-time comparison of the CSRF token a request carries with the session's. */
export function csrfMatches(
  session: Session,
  presented: string | undefined,
): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session cookie's value from a Cookie header. */
export function cookieValue(
  header: string | undefined,
  name = sessionCookie,
): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

export function sessionCookieHeader(
  cookie: string,
  ttlMs: number,
  secure: boolean,
): string {
  return [
    `${sessionCookie}=${cookie}`,
    "HttpOnly",
    "SameSite=Strict",
    "Path=/",
    `Max-Age=${Math.floor(ttlMs / 1000)}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export const clearedCookieHeader = `${sessionCookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
