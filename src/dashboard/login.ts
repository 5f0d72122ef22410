// POST /login and POST /logout. A login costs a TokenReview, so it is rate-limited before anything is
// read: per client address and for everyone together (429 with Retry-After past either). The address is
// the TCP peer's: behind an ingress every login shares the ingress's address and the overall rate, which
// still protects the operator; X-Forwarded-For is not trusted (anyone can send it).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { KeyedRateBuckets, RateBucket } from "../util/rate-bucket.ts";
import type { AccessReviewer } from "./access.ts";
import { crossOrigin, readJsonBody, sendError, sendJson } from "./http.ts";
import type { DashboardLimits } from "./limits.ts";
import {
  clearedCookieHeader,
  csrfMatches,
  sessionCookieHeader,
  type Session,
  type SessionStore,
} from "./sessions.ts";
import type { StreamHub } from "./stream.ts";

export interface LoginDeps {
  reviewer: AccessReviewer;
  sessions: SessionStore;
  hub: StreamHub;
  clock: Clock;
  logger: Logger;
  limits: DashboardLimits;
  secureCookie: boolean;
}

export function loginHandlers(deps: LoginDeps) {
  const perSource = new KeyedRateBuckets(
    deps.limits.loginsPerSource,
    deps.clock,
    deps.limits.loginSources,
  );
  const overall = new RateBucket(deps.limits.loginsOverall, deps.clock);
  let refused = 0;

  const tooMany = (res: ServerResponse, waitMs: number, what: string) => {
    refused++;
    sendError(
      res,
      429,
      `too many logins ${what}; try again in ${Math.ceil(waitMs / 1000)} s`,
    );
    return undefined;
  };

  async function login(req: IncomingMessage, res: ServerResponse) {
    if (crossOrigin(req))
      return sendError(res, 403, "cross-origin login refused");
    const source = req.socket.remoteAddress ?? "unknown";
    const sourceWait = perSource.take(source);
    if (sourceWait > 0) return tooMany(res, sourceWait, "from this address");
    const overallWait = overall.take();
    if (overallWait > 0) return tooMany(res, overallWait, "to this dashboard");
    const body = await readJsonBody(req);
    const token = typeof body.token === "string" ? body.token.trim() : "";
    if (!token)
      return sendError(
        res,
        400,
        'send {"token": "..."}: a ServiceAccount token or the output of kubectl create token',
      );
    const user = await deps.reviewer.authenticate(token);
    if (!user)
      return sendError(res, 401, "the API server did not accept this token");
    const issued = await deps.sessions.create(user);
    if ("refused" in issued)
      return sendError(res, issued.status, issued.refused);
    const { session, cookie } = issued;
    deps.logger.info({ user: user.username }, "dashboard login");
    sendJson(
      res,
      200,
      { user: user.username, csrf: session.csrf, expiresAt: session.expiresAt },
      {
        "set-cookie": sessionCookieHeader(
          cookie,
          deps.sessions.ttlMs,
          deps.secureCookie,
        ),
      },
    );
  }

  async function logout(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
  ) {
    if (!csrfMatches(session, header(req, "x-csrf-token")))
      return sendError(res, 403, "missing or wrong X-CSRF-Token");
    await deps.sessions.revoke(session);
    deps.hub.closeSession(session.id, "logout");
    sendJson(res, 200, {}, { "set-cookie": clearedCookieHeader });
  }

  return {
    login,
    logout,
    /** Logins answered 429 so far. */
    get refused() {
      return refused;
    },
  };
}

export const header = (
  req: IncomingMessage,
  name: string,
): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
