// The actions of `kubectl siskin`: each reads or writes the Canary through the API server and waits by
// watching it. Exit codes: 0 done / wanted outcome, 1 refused / the other outcome, 2 timeout.
import { randomUUID } from "node:crypto";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { RequestAction } from "../analysis/types.ts";
import type { KubeApi } from "../kube/api.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { writeRequest } from "../controller/requests.ts";
import { followCanary } from "./follow.ts";
import { statusBlock } from "./render.ts";

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
 * Waits for an outcome of the release under way. A Succeeded or Failed that was already there when the
 * wait began counts only once the Canary has moved since (right after `set image`, the previous
 * release's Succeeded must not pass a CI gate).
 */
export async function waitFor(
  session: Session,
  name: string,
  wanted: WaitFor,
  timeoutMs: number,
): Promise<number> {
  const startedAt = session.now().getTime();
  let moved = false;
  let last: Canary | undefined;
  let code = 2;
  const goal = wanted.kind === "phase" ? `phase ${wanted.phase}` : wanted.kind;
  // Siskin writes transition times in milliseconds: one from the second before the wait began is the
  // previous outcome, not this one. A time in whole seconds (written by Flagger) counts from the start's
  // second.
  const fresh = (s: CanaryStatus) => {
    const at = s.lastTransitionTime ?? "";
    const since = /\.\d+Z$/.test(at)
      ? startedAt
      : Math.floor(startedAt / 1000) * 1000;
    return moved || Date.parse(at) >= since;
  };
  await withTimeout(timeoutMs, (signal) =>
    follow(
      session,
      name,
      (canary) => {
        // Said once the Canary has been read: from here on, every outcome reached counts as this one's.
        if (!last)
          session.progress(
            `waiting up to ${timeoutMs / 1000}s for ${session.namespace}/${name}: ${goal}; now in phase ${canary.status?.phase ?? "unknown"}`,
          );
        last = canary;
        const s = canary.status ?? {};
        const phase = s.phase ?? "";
        if (wanted.kind === "phase") {
          if (phase === wanted.phase) code = 0;
          return code === 0;
        }
        const ended = phase === "Succeeded" || phase === "Failed";
        if (!ended || !fresh(s)) {
          if (!ended) moved = true;
          return false;
        }
        const good = wanted.kind === "promoted" ? "Succeeded" : "Failed";
        code = phase === good ? 0 : 1;
        return true;
      },
      signal,
    ),
  );
  const phase = last?.status?.phase ?? "unknown";
  if (code === 0) session.print(`${session.namespace}/${name}: ${phase}`);
  else {
    session.print(
      code === 2
        ? `${session.namespace}/${name}: timed out after ${timeoutMs / 1000}s in phase ${phase}`
        : `${session.namespace}/${name}: ended ${phase}, not ${wanted.kind}`,
    );
    if (last) session.print(statusBlock(last, session.now()));
  }
  return code;
}
