// The load tester's HTTP API (Flagger's flagger-loadtester contract):
//   POST /                         run a task from the webhook payload's metadata (cmd, bash)
//   POST /gate/approve | /gate/halt          always open (200) | always closed (403)
//   POST /gate/check|open|close    the canary's confirm gate
//   POST /rollback/check|open|close          the canary's rollback gate
//   GET  /healthz, /metrics
import http from "node:http";
import type { Logger } from "pino";
import { parseDuration } from "../../src/util/durations.ts";
import { nameProblem } from "../../src/util/k8s-names.ts";
import { BodyTooLarge, readBody } from "../../src/util/read-body.ts";
import type { GateKind, Gates } from "./gates.ts";
import type { LoadTesterMetrics } from "./metrics.ts";
import { taskTypes, type TaskRunner, type TaskType } from "./tasks.ts";

export interface ServerDeps {
  gates: Gates;
  tasks: TaskRunner;
  metrics: LoadTesterMetrics;
  namespacePattern: RegExp;
  /** --task-timeout: the default and the longest a task may ask for. */
  taskTimeoutMs: number;
  logger: Logger;
}

interface Payload {
  name: string;
  namespace: string;
  phase?: string;
  metadata: Record<string, string>;
}

interface Answer {
  status: number;
  body: string;
}

const maxBodyBytes = 1 << 20;

/** The webhook payload, or the reason it cannot be used (naming the field). */
export function parsePayload(text: string, pattern: RegExp): Payload | Answer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      status: 400,
      body: "body is not JSON; send the webhook payload {name, namespace, metadata}",
    };
  }
  const p = value as Partial<Payload> | null;
  if (!p || typeof p !== "object")
    return { status: 400, body: "body is not a JSON object" };
  if (typeof p.name !== "string" || !p.name)
    return { status: 400, body: "payload.name is missing" };
  if (typeof p.namespace !== "string" || !p.namespace)
    return { status: 400, body: "payload.namespace is missing" };
  // Names become gate keys and log fields: only what the API server itself would accept.
  const bad =
    nameProblem("payload.namespace", p.namespace, "namespace") ??
    nameProblem("payload.name", p.name, "name");
  if (bad) return { status: 400, body: bad };
  if (!pattern.test(p.namespace))
    return {
      status: 403,
      body: `namespace ${p.namespace} is not allowed by --namespace-regexp`,
    };
  const metadata: Record<string, string> = {};
  if (p.metadata !== undefined && p.metadata !== null) {
    if (typeof p.metadata !== "object" || Array.isArray(p.metadata))
      return { status: 400, body: "payload.metadata is not an object" };
    for (const [key, v] of Object.entries(p.metadata)) {
      if (typeof v !== "string")
        return {
          status: 400,
          body: `payload.metadata.${key} is not a string; quote it in the Canary's webhook metadata`,
        };
      metadata[key] = v;
    }
  }
  return {
    name: p.name,
    namespace: p.namespace,
    ...(p.phase ? { phase: p.phase } : {}),
    metadata,
  };
}

async function gate(
  deps: ServerDeps,
  kind: GateKind,
  action: string,
  p: Payload,
): Promise<Answer> {
  const label = kind === "gate" ? "gate" : "rollback gate";
  if (action === "check") {
    const open = deps.gates.isOpen(kind, p.namespace, p.name);
    return {
      status: open ? 200 : 403,
      body: `${label} ${open ? "open" : "closed"}`,
    };
  }
  const open = action === "open";
  const result = await deps.gates.set(kind, p.namespace, p.name, open);
  if (result !== "ok")
    return result === "full"
      ? {
          status: 429,
          body: `${deps.gates.maxOpen} gates are open (--max-open-gates); close some with /gate/close or /rollback/close`,
        }
      : { status: 503, body: `${label} not saved: ${result.error}` };
  deps.logger.info(
    { canary: `${p.namespace}/${p.name}`, kind, open },
    "gate changed",
  );
  return { status: 200, body: `${label} ${open ? "opened" : "closed"}` };
}

async function task(deps: ServerDeps, p: Payload): Promise<Answer> {
  const type = p.metadata.type ?? "cmd";
  if (!(taskTypes as readonly string[]).includes(type)) {
    deps.metrics.task("unknown", "refused");
    return {
      status: 400,
      body: `metadata.type "${type}" is not supported; use ${taskTypes.join(" or ")}`,
    };
  }
  const command = p.metadata.cmd ?? "";
  if (!command) return { status: 400, body: "metadata.cmd is missing" };
  const timeout = p.metadata.timeout;
  const timeoutMs = timeout ? parseDuration(timeout) : deps.taskTimeoutMs;
  if (timeoutMs === undefined || timeoutMs <= 0)
    return {
      status: 400,
      body: `metadata.timeout "${timeout}" is not a duration like 30s`,
    };
  if (timeoutMs > deps.taskTimeoutMs)
    return {
      status: 400,
      body: `metadata.timeout "${timeout}" is longer than this load tester's --task-timeout (${deps.taskTimeoutMs / 1000}s)`,
    };
  const answer = await deps.tasks.handle({
    type: type as TaskType,
    command,
    canary: { name: p.name, namespace: p.namespace },
    timeoutMs,
    logOutput: p.metadata.logCmdOutput === "true",
  });
  if (answer.status === 403) deps.metrics.task(type as TaskType, "refused");
  return answer;
}

async function route(
  deps: ServerDeps,
  req: http.IncomingMessage,
): Promise<Answer> {
  const path =
    new URL(req.url ?? "/", "http://loadtester").pathname.replace(/\/+$/, "") ||
    "/";
  if (req.method === "GET" && path === "/healthz")
    return { status: 200, body: "ok" };
  if (req.method === "GET" && path === "/metrics")
    return { status: 200, body: await deps.metrics.registry.metrics() };
  if (req.method !== "POST")
    return { status: 405, body: "use POST with the webhook payload" };
  if (path === "/gate/approve") return { status: 200, body: "approved" };
  if (path === "/gate/halt") return { status: 403, body: "halted" };
  // Announced too large: answered without reading (a chunked body past the limit is cut instead).
  if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes)
    return { status: 413, body: `body larger than ${maxBodyBytes} bytes` };
  let text: string;
  try {
    text = await readBody(req, maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      return { status: 413, body: `body larger than ${maxBodyBytes} bytes` };
    throw error;
  }
  const parsed = parsePayload(text, deps.namespacePattern);
  if ("status" in parsed) return parsed;
  if (path === "/") return task(deps, parsed);
  const match = /^\/(gate|rollback)\/(check|open|close)$/.exec(path);
  if (match) return gate(deps, match[1] as GateKind, match[2] ?? "", parsed);
  return { status: 404, body: `no endpoint ${path}` };
}

export function createServer(deps: ServerDeps): http.Server {
  return http.createServer((req, res) => {
    const path = req.url;
    void route(deps, req)
      .catch((error: unknown) => {
        deps.logger.error(
          { err: (error as Error).message, path: path?.slice(0, 200) },
          "request failed",
        );
        return { status: 500, body: (error as Error).message };
      })
      .then((answer) => {
        const isMetrics = req.url === "/metrics";
        if (res.destroyed) return;
        res.writeHead(answer.status, {
          "content-type": isMetrics
            ? deps.metrics.registry.contentType
            : "text/plain",
          ...(answer.status === 429 ? { "retry-after": "10" } : {}),
          ...(answer.status === 413 ? { connection: "close" } : {}),
        });
        res.end(answer.body);
      })
      .catch(() => res.destroy());
  });
}
