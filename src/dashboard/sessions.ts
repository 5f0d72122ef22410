// Dashboard sessions: a random id in an HttpOnly, SameSite=Strict cookie points at who logged in (as the
// TokenReview answered) and the session's CSRF token. The bearer token itself is never kept: access
// checks are SubjectAccessReviews for the reviewed user, so nothing a person typed outlives the login.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../util/clock.ts";

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
  /** SubjectAccessReview answers by "verb namespace", kept briefly so a page view costs no API call. */
  access: Map<string, { allowed: boolean; until: number }>;
}

export const sessionCookie = "siskin_session";

const newId = () => randomBytes(32).toString("base64url");

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly clock: Clock;
  readonly ttlMs: number;
  private readonly maxSessions: number;

  constructor(clock: Clock, ttlMs: number, maxSessions = 10_000) {
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.maxSessions = maxSessions;
  }

  create(user: DashboardUser): Session {
    this.sweep();
    // Beyond the cap the oldest session goes: a flood of logins cannot grow memory without bound.
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: Session = {
      id: newId(),
      user,
      csrf: newId(),
      expiresAt: this.clock.now().getTime() + this.ttlMs,
      access: new Map(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; an unknown or expired id gives undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now().getTime()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.clock.now().getTime();
    for (const [id, s] of this.sessions)
      if (s.expiresAt <= now) this.sessions.delete(id);
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
  session: Session,
  ttlMs: number,
  secure: boolean,
): string {
  return [
    `${sessionCookie}=${session.id}`,
    "HttpOnly",
    "SameSite=Strict",
    "Path=/",
    `Max-Age=${Math.floor(ttlMs / 1000)}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export const clearedCookieHeader = `${sessionCookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
