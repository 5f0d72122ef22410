// The actions of `kubectl siskin`: each reads or writes the Canary through the API server and waits by
// watching it. Exit codes: 0 done / wanted outcome, 1 refused / the other outcome, 2 timeout (3: an
// error, set by main.ts).
import { randomUUID } from "node:crypto";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { RequestAction } from "../analysis/types.ts";
import type { KubeApi } from "../kube/api.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { writeRequest } from "../controller/request-annotation.ts";
import { followCanary } from "./follow.ts";
import { statusBlock } from "./render.ts";
import { revisionOutcome } from "./wait-revision.ts";

export interface Session {
  client: KubeClient;
  api: KubeApi;
  namespace: string;
  /** Who asks, recorded with each request. */
  user: string;
  print: (line: string) => void;
  /** Progress for a person watching (stderr), kept out of the output a script parses. */
  progress: (line: string) => void;
  now: () => Date;
}

/** followCanary in the session's namespace. */
export const follow = (
  session: Session,
  name: string,
  onCanary: (canary: Canary) => boolean,
  signal: AbortSignal,
): Promise<boolean> =>
  followCanary(
    session.client,
    session.api,
    session.namespace,
    name,
    onCanary,
    signal,
  );

/** Runs `work` until it settles or `timeoutMs` passes; undefined on timeout. */
async function withTimeout<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes the request annotation and waits for status.lastRequest to carry its id. */
export async function sendRequest(
  session: Session,
  name: string,
  action: RequestAction,
  options: { reason?: string; timeoutMs: number },
): Promise<number> {
  const id = randomUUID();
  await writeRequest(
    session.api,
    { namespace: session.namespace, name },
    {
      action,
      id,
      by: session.user,
      ...(options.reason ? { reason: options.reason } : {}),
    },
    "kubectl-siskin",
  );
  let answer: CanaryStatus["lastRequest"];
  const answered = await withTimeout(options.timeoutMs, (signal) =>
    follow(
      session,
      name,
      (canary) => {
        if (canary.status?.lastRequest?.id !== id) return false;
        answer = canary.status.lastRequest;
        return true;
      },
      signal,
    ),
  );
  if (!answered || !answer) {
    session.print(
      `${action} ${session.namespace}/${name}: no answer within ${options.timeoutMs / 1000}s (is the operator running?)`,
    );
    return 2;
  }
  session.print(
    `${action} ${session.namespace}/${name}: ${answer.result}${answer.message ? `: ${answer.message}` : ""}`,
  );
  return answer.result === "done" ? 0 : 1;
}

export type WaitFor =
  { kind: "promoted" } | { kind: "failed" } | { kind: "phase"; phase: string };

/**
 * Waits for an outcome. promoted/failed: the outcome of the target's current revision, whenever it was
 * reached (wait-revision.ts); the target is read again at each change of the Canary, so a `set image`
 * the operator has not picked up yet is waited for. phase=X: the phase itself.
 */
export async function waitFor(
  session: Session,
  name: string,
  wanted: WaitFor,
  timeoutMs: number,
  options: { image?: string } = {},
): Promise<number> {
  let last: Canary | undefined;
  let code = 2;
  let why = "";
  let failure: unknown;
  const goal = wanted.kind === "phase" ? `phase ${wanted.phase}` : wanted.kind;
  const decided = new AbortController();
  let checking = Promise.resolve();
  const check = async (canary: Canary) => {
    if (decided.signal.aborted) return;
    if (wanted.kind === "phase") {
      if (canary.status?.phase === wanted.phase) code = 0;
    } else {
      const ref = canary.spec.targetRef;
      const target = await session.api.get<
        Parameters<typeof revisionOutcome>[1] & { metadata?: unknown }
      >({
        apiVersion: ref.apiVersion ?? "apps/v1",
        kind: ref.kind,
        namespace: session.namespace,
        name: ref.name,
      });
      const outcome = revisionOutcome(canary, target, options.image);
      if (outcome.state === "pending") {
        why = outcome.why;
        return;
      }
      const good = wanted.kind === "promoted" ? "promoted" : "failed";
      code = outcome.state === good ? 0 : 1;
    }
    if (code !== 2) decided.abort();
  };
  await withTimeout(timeoutMs, (timeout) =>
    follow(
      session,
      name,
      (canary) => {
        if (!last)
          session.progress(
            `waiting up to ${timeoutMs / 1000}s for ${session.namespace}/${name}: ${goal}${options.image ? ` of ${options.image}` : ""}; now in phase ${canary.status?.phase ?? "unknown"}`,
          );
        last = canary;
        checking = checking
          .then(() => check(canary))
          .catch((error: unknown) => {
            failure = error;
            decided.abort();
          });
        return false;
      },
      AbortSignal.any([timeout, decided.signal]),
    ),
  );
  await checking;
  if (failure) throw failure;
  const phase = last?.status?.phase ?? "unknown";
  if (code === 0) session.print(`${session.namespace}/${name}: ${phase}`);
  else {
    session.print(
      code === 2
        ? `${session.namespace}/${name}: timed out after ${timeoutMs / 1000}s in phase ${phase}${why ? ` (${why})` : ""}`
        : `${session.namespace}/${name}: ended ${phase}, not ${wanted.kind}`,
    );
    if (last) session.print(statusBlock(last, session.now()));
  }
  return code;
}
