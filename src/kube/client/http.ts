// One HTTP client for every API call and watch the operator makes: a single keep-alive connection pool
// per cluster and user (client-node 2.0.1 opens a new TLS connection per call of its generated clients),
// a client-side rate limit, an observer for request metrics, and errors that say what failed.
import { readBody } from "../../util/read-body.ts";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";
import type { Clock } from "../../util/clock.ts";
import { systemClock } from "../../util/clock.ts";
import { credentialSource, type CredentialSource } from "./credentials.ts";
import { statusError, transportError } from "./errors.ts";
import type { ClusterAccess } from "./kubeconfig.ts";
import { unlimited, type Priority, type RateLimiter } from "./rate-limit.ts";

export { KubeApiError } from "./errors.ts";

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** The verb for metrics (LIST, APPLY, ...); the method otherwise. */
  verb?: string;
  signal?: AbortSignal;
  /** Default 30 s. */
  timeoutMs?: number;
  /** "low" waits behind other requests in the rate limiter (Events). */
  priority?: Priority;
}

/** One finished request, for the Recorder (verb, resource, status code, duration). */
export interface RequestSample {
  verb: string;
  resource: string;
  code: string;
  seconds: number;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Record<string, unknown>;
}

export interface KubeClientOptions {
  clock?: Clock;
  limiter?: RateLimiter;
  onRequest?: (sample: RequestSample) => void;
  /** Sockets the pool may hold open; watches each keep one. */
  maxSockets?: number;
  /** Sent as User-Agent, so the audit log tells processes apart (default "siskin"). */
  userAgent?: string;
  /**
   * The CLI, where the kubeconfig is read by @kubernetes/client-node: its agent (TLS material, a
   * cluster's proxy-url), extra headers (impersonation), the Authorization header it computes, and a
   * default timeout per request (--request-timeout).
   */
  agent?: HttpAgent;
  headers?: Record<string, string | string[]>;
  authorization?: () => Promise<string | undefined>;
  requestTimeoutMs?: number;
}

const defaultTimeoutMs = 30_000;
const maxBodyBytes = 64 * 1024 * 1024;

export class KubeClient {
  readonly access: ClusterAccess;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpsRequest;
  private readonly credentials: CredentialSource;
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly onRequest: ((sample: RequestSample) => void) | undefined;
  private readonly userAgent: string;
  private readonly extraHeaders: Record<string, string | string[]>;
  private readonly requestTimeoutMs: number;

  constructor(access: ClusterAccess, options: KubeClientOptions = {}) {
    this.access = access;
    this.clock = options.clock ?? systemClock;
    this.limiter = options.limiter ?? unlimited();
    this.onRequest = options.onRequest;
    this.userAgent = options.userAgent ?? "siskin";
    this.credentials = options.authorization
      ? { authorization: options.authorization, invalidate: () => {} }
      : credentialSource(access.credentials, this.clock);
    this.extraHeaders = options.headers ?? {};
    this.requestTimeoutMs = options.requestTimeoutMs ?? defaultTimeoutMs;
    const pool = {
      keepAlive: true,
      keepAliveMsecs: 30_000,
      maxSockets: options.maxSockets ?? 64,
      maxFreeSockets: 16,
      scheduling: "lifo" as const,
    };
    if (options.agent) {
      this.agent = options.agent;
      this.send = (
        access.server.startsWith("https:") ? httpsRequest : httpRequest
      ) as typeof httpsRequest;
    } else if (access.server.startsWith("https:")) {
      this.agent = new HttpsAgent({
        ...pool,
        ...(access.ca ? { ca: access.ca } : {}),
        ...(access.cert ? { cert: access.cert } : {}),
        ...(access.key ? { key: access.key } : {}),
        rejectUnauthorized: !access.insecureSkipTlsVerify,
        ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
      });
      this.send = httpsRequest;
    } else {
      this.agent = new HttpAgent(pool);
      this.send = httpRequest as typeof httpsRequest;
    }
  }

  /** Sends one request and returns its JSON body; throws KubeApiError for any non-2xx answer. */
  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const response = await this.exchange(req, false);
    return response as T;
  }

  /**
   * Streams a watch: each event goes to `onEvent` as it arrives. Resolves when the server ends the
   * watch (its timeoutSeconds) or `signal` aborts; rejects on a non-200 answer, a broken stream, or a
   * stream that delivered nothing for `idleTimeoutMs` (on the injected clock): a half-open connection
   * never ends by itself, and the API server sends a bookmark about every minute on a healthy one.
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
    options: { accept?: string; idleTimeoutMs?: number } = {},
  ): Promise<void> {
    const accept = options.accept;
    const serverSeconds = Number(query.timeoutSeconds ?? 300);
    const res = (await this.exchange(
      {
        method: "GET",
        path,
        query: { ...query, watch: true },
        verb: "WATCH",
        signal,
        ...(accept ? { accept } : {}),
        timeoutMs: (serverSeconds + 60) * 1000,
      },
      true,
    )) as IncomingMessage;
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      let cancelIdle = () => {};
      const idleMs = options.idleTimeoutMs;
      const armIdle = () => {
        cancelIdle();
        if (idleMs)
          cancelIdle = this.clock.setTimer(idleMs, () =>
            res.destroy(
              new Error(
                `no event or bookmark for ${idleMs / 1000}s: the connection is taken for dead`,
              ),
            ),
          );
      };
      armIdle();
      res.setEncoding("utf8");
      res.on("close", () => cancelIdle());
      res.on("data", (chunk: string) => {
        armIdle();
        buffer += chunk;
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line) {
            let event: WatchEvent | undefined;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              res.destroy(
                new Error(`unreadable watch event: ${line.slice(0, 200)}`),
              );
              return;
            }
            try {
              onEvent(event);
            } catch (error) {
              res.destroy(error as Error);
              return;
            }
          }
          newline = buffer.indexOf("\n");
        }
      });
      let ended = false;
      const broken = (error: unknown) =>
        signal.aborted
          ? resolve()
          : reject(transportError("WATCH", path, error));
      res.on("end", () => {
        ended = true;
        resolve();
      });
      res.on("error", broken);
      res.on("close", () => {
        if (!ended) broken(new Error("the watch stream was cut"));
      });
    });
  }

  /** Closes idle pooled connections (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private async exchange(
    req: KubeRequest,
    stream: boolean,
    retriedAuth = false,
  ): Promise<unknown> {
    await this.limiter.acquire(req.priority);
    // Aborted while it waited for a token: the caller's deadline has passed, send nothing.
    if (req.signal?.aborted)
      throw transportError(req.method, req.path, req.signal.reason);
    const started = performance.now();
    const verb = req.verb ?? req.method;
    const resource = resourceOfPath(req.path);
    const record = (code: string) =>
      this.onRequest?.({
        verb,
        resource,
        code,
        seconds: (performance.now() - started) / 1000,
      });
    const url = new URL(this.access.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string | string[]> = {
      ...this.extraHeaders,
      accept: req.accept ?? "application/json",
      "user-agent": this.userAgent,
    };
    const authorization = await this.credentials.authorization();
    if (authorization) headers.authorization = authorization;
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(
        typeof req.body === "string" ? req.body : JSON.stringify(req.body),
      );
      headers["content-type"] = req.contentType ?? "application/json";
      headers["content-length"] = String(payload.length);
    }
    let res: IncomingMessage;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = this.send(url, {
          method: req.method,
          headers,
          agent: this.agent,
          timeout: req.timeoutMs ?? this.requestTimeoutMs,
          ...(req.signal ? { signal: req.signal } : {}),
        });
        outgoing.on("response", resolve);
        outgoing.on("error", reject);
        outgoing.on("timeout", () =>
          outgoing.destroy(
            new Error(
              `no answer within ${(req.timeoutMs ?? defaultTimeoutMs) / 1000}s`,
            ),
          ),
        );
        outgoing.end(payload);
      });
    } catch (error) {
      record("error");
      throw transportError(req.method, req.path, error);
    }
    const status = res.statusCode ?? 0;
    if (status === 401 && !retriedAuth && authorization) {
      res.resume();
      this.credentials.invalidate();
      return this.exchange(req, stream, true);
    }
    if (stream && status === 200) {
      record("200");
      return res;
    }
    let text: string;
    try {
      text = await readBody(res, maxBodyBytes);
    } catch (error) {
      record("error");
      throw transportError(req.method, req.path, error);
    }
    record(String(status));
    if (status < 200 || status >= 300)
      throw statusError(req.method, req.path, status, text);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
}

/** "deployments", "canaries/status", ... from a REST path, for metrics. */
export function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
  // /api/v1/... or /apis/<group>/<version>/...
  const rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  const afterNamespace =
    rest[0] === "namespaces" && rest.length > 2 ? rest.slice(2) : rest;
  const [resource = "", , sub] = afterNamespace;
  return sub ? `${resource}/${sub}` : resource;
}
