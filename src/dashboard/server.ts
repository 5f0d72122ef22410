// The dashboard's HTTP server (--dashboard-port): the page and its assets, a login that trades a
// Kubernetes bearer token for a session, JSON views of the Canaries the session may list, a live
// stream, and the request buttons (the same siskin.dev/request the CLI writes).
//
//   GET  /                                   the page (it asks for a token when there is no session)
//   POST /login {token}                      TokenReview; sets the session cookie; 401 when refused
//   POST /logout                             ends the session (CSRF token required)
//   GET  /api/session                        who is logged in, and the CSRF token for writes
//   GET  /api/canaries                       summaries of the Canaries in namespaces the user may list
//   GET  /api/canaries/NS/NAME               one Canary: history, timeline, whether the user may patch
//   GET  /api/stream[?focus=NS/NAME]         server-sent events: summary, detail, removed, expired
//   POST /api/canaries/NS/NAME/requests      {action, reason?}: promote|abort|retry|pause|resume
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Canary } from "../api/canary.ts";
import { requestActions, type RequestAction } from "../analysis/types.ts";
import { writeRequest } from "../controller/request-annotation.ts";
import type { KubeApi } from "../kube/api.ts";
import type { ObjectStore, StoredObject } from "../kube/store.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { nameProblem } from "../util/k8s-names.ts";
import { AccessCache, type AccessReviewer } from "./access.ts";
import { loadAssets } from "./assets.ts";
import {
  BodyError,
  crossOrigin,
  readJsonBody,
  securityHeaders,
  sendError,
  sendJson,
} from "./http.ts";
import type { DashboardLimits } from "./limits.ts";
import { header, loginHandlers } from "./login.ts";
import {
  cookieValue,
  csrfMatches,
  SessionStore,
  type RevocationList,
  type Session,
} from "./sessions.ts";
import { StreamHub } from "./stream.ts";
import { detailOf, summaryOf, type CanaryEvent } from "./views.ts";

export interface DashboardDeps {
  canaries: ObjectStore<Canary & StoredObject>;
  events: ObjectStore<CanaryEvent & StoredObject>;
  reviewer: AccessReviewer;
  api: KubeApi;
  clock: Clock;
  logger: Logger;
  sessionTtlMs: number;
  /** Mark the cookie Secure (the dashboard is reached over HTTPS, through an ingress). */
  secureCookie: boolean;
  /** Signs session cookies; the replicas share it (session-secret.ts). */
  sessionKey: Buffer;
  revocations: RevocationList;
  limits: DashboardLimits;
}

export interface Dashboard {
  server: Server;
  hub: StreamHub;
  sessions: SessionStore;
  access: AccessCache;
  /** Logins answered 429 so far. */
  readonly loginsRefused: number;
}

const canaryPath = /^\/api\/canaries\/([^/]+)\/([^/]+)(\/requests)?$/;

/** Why a namespace/name from a URL cannot name a Canary, before anything is asked of the API server. */
const pathProblem = (namespace: string, name: string): string | undefined =>
  nameProblem("namespace", namespace, "namespace") ??
  nameProblem("name", name, "name");

export function createDashboard(deps: DashboardDeps): Dashboard {
  const assets = loadAssets();
  const sessions = new SessionStore({
    clock: deps.clock,
    ttlMs: deps.sessionTtlMs,
    key: deps.sessionKey,
    limits: deps.limits,
    revocations: deps.revocations,
  });
  const access = new AccessCache(
    deps.reviewer,
    deps.clock,
    deps.limits.accessAnswers,
  );
  const canSee = (session: Session, namespace: string) =>
    access
      .allows(session, "list", "")
      .then((all) => all || access.allows(session, "list", namespace));
  const canPatch = (session: Session, namespace: string) =>
    access.allows(session, "patch", namespace);
  const eventsOf = (canary: Canary) =>
    deps.events
      .list(canary.metadata.namespace)
      .filter((e) => e.involvedObject?.name === canary.metadata.name);
  const detail = (canary: Canary) => detailOf(canary, eventsOf(canary));
  const hub = new StreamHub({
    summary: summaryOf,
    detail,
    canSee,
    canPatch,
    clock: deps.clock,
    limits: deps.limits,
  });
  const logins = loginHandlers({
    reviewer: deps.reviewer,
    sessions,
    hub,
    clock: deps.clock,
    logger: deps.logger,
    limits: deps.limits,
    secureCookie: deps.secureCookie,
  });
  // Every change, the operator's own status writes included (a plain `on` does not hear those).
  deps.canaries.onEveryChange(({ verb, object }) =>
    hub.canaryChanged(object, verb === "delete" ? "gone" : "changed"),
  );
  deps.events.on(({ object }) => {
    const { namespace, name } = object.involvedObject ?? {};
    const canary = name ? deps.canaries.get(name, namespace ?? "") : undefined;
    if (canary) hub.canaryChanged(canary, "events");
  });

  async function visible(session: Session): Promise<Canary[]> {
    const all = deps.canaries.list();
    const namespaces = [...new Set(all.map((c) => c.metadata.namespace))];
    const allowed = new Set<string>();
    for (const ns of namespaces) if (await canSee(session, ns)) allowed.add(ns);
    return all
      .filter((c) => allowed.has(c.metadata.namespace))
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
  }

  async function request(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    namespace: string,
    name: string,
  ) {
    if (crossOrigin(req) || !csrfMatches(session, header(req, "x-csrf-token")))
      return sendError(
        res,
        403,
        "missing or wrong X-CSRF-Token (reload the page)",
      );
    const body = await readJsonBody(req);
    const action = body.action as RequestAction;
    if (!requestActions.includes(action))
      return sendError(
        res,
        400,
        `"action" must be one of ${requestActions.join(", ")}`,
      );
    if (!(await canPatch(session, namespace)))
      return sendError(
        res,
        403,
        `${session.user.username} may not patch canaries in ${namespace}`,
      );
    if (
      !deps.canaries.get(name, namespace) ||
      !(await canSee(session, namespace))
    )
      return sendError(res, 404, `no Canary ${namespace}/${name}`);
    const id = randomUUID();
    const reason =
      typeof body.reason === "string" ? body.reason.slice(0, 500) : undefined;
    await writeRequest(
      deps.api,
      { namespace, name },
      {
        id,
        action,
        by: `${session.user.username} (dashboard)`,
        ...(reason ? { reason } : {}),
      },
      "siskin-dashboard",
    );
    deps.logger.info(
      {
        user: session.user.username,
        canary: `${namespace}/${name}`,
        action,
        id,
      },
      "dashboard request",
    );
    sendJson(res, 202, { id });
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const asset = method === "GET" ? assets.get(path) : undefined;
    if (asset) {
      res
        .writeHead(200, {
          ...securityHeaders,
          "content-type": asset.contentType,
          "cache-control": "no-cache",
        })
        .end(asset.body);
      return;
    }
    if (method === "POST" && path === "/login") return logins.login(req, res);
    const session = sessions.get(cookieValue(req.headers.cookie));
    if (!session) {
      if (path.startsWith("/api/") || path === "/logout")
        return sendError(
          res,
          401,
          "not logged in, or the session expired: log in with a token",
        );
      return sendError(res, 404, "not found");
    }
    if (method === "POST" && path === "/logout")
      return logins.logout(req, res, session);
    if (method === "GET" && path === "/api/session")
      return sendJson(res, 200, {
        user: session.user.username,
        csrf: session.csrf,
        expiresAt: session.expiresAt,
      });
    if (method === "GET" && path === "/api/canaries")
      return sendJson(res, 200, {
        canaries: (await visible(session)).map(summaryOf),
      });
    if (method === "GET" && path === "/api/stream") {
      const focus = url.searchParams.get("focus") ?? undefined;
      const [focusNs = "", focusName = "", extra] = focus?.split("/") ?? [];
      const bad =
        focus &&
        (extra !== undefined
          ? "focus is not namespace/name"
          : pathProblem(focusNs, focusName));
      if (bad) return sendError(res, 400, bad);
      const refused = hub.add({ session, res, ...(focus ? { focus } : {}) });
      if (refused) sendError(res, 429, refused);
      return;
    }
    const match = canaryPath.exec(path);
    if (match) {
      const [, rawNamespace = "", rawName = "", requests] = match;
      let namespace: string;
      let name: string;
      try {
        namespace = decodeURIComponent(rawNamespace);
        name = decodeURIComponent(rawName);
      } catch {
        return sendError(res, 400, "the path is not valid URL encoding");
      }
      const bad = pathProblem(namespace, name);
      if (bad) return sendError(res, 400, bad);
      if (requests && method === "POST")
        return request(req, res, session, namespace, name);
      if (!requests && method === "GET") {
        const canary = deps.canaries.get(name, namespace);
        if (!canary || !(await canSee(session, namespace)))
          return sendError(
            res,
            404,
            `no Canary ${namespace}/${name} you may see`,
          );
        return sendJson(res, 200, {
          ...detail(canary),
          canPatch: await canPatch(session, namespace),
        });
      }
    }
    sendError(res, 404, "not found");
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof BodyError)
        return sendError(res, error.status, error.message);
      deps.logger.warn(
        { err: errorMessage(error), path: req.url?.split("?")[0] },
        "dashboard request failed",
      );
      if (!res.headersSent)
        sendError(
          res,
          502,
          `the API server could not answer: ${errorMessage(error)}`,
        );
      else res.end();
    });
  });
  return {
    server,
    hub,
    sessions,
    access,
    get loginsRefused() {
      return logins.refused;
    },
  };
}
