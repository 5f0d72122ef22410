// What every cluster command of kubectl-siskin shares: the connection flags made into a session (the
// kubeconfig read as kubectl reads it, kubeconfig.ts), durations and --for parsed with messages naming
// the flag.
import { userInfo } from "node:os";
import type { RequestAction } from "../analysis/types.ts";
import { KubeApi } from "../kube/api.ts";
import { KubeClient } from "../kube/client/http.ts";
import { parseDuration } from "../util/durations.ts";
import { version } from "../version.ts";
import type { Session, WaitFor } from "./commands.ts";
import { cliConnection, type ConnectionFlags } from "./kubeconfig.ts";

export type Connection = ConnectionFlags;

export const requestHelp: Record<RequestAction, string> = {
  promote: "finish the run now (or confirm a waiting rollout)",
  abort: "roll back now",
  retry:
    "analyse a Failed or held revision again, or try a failed promotion again",
  pause: "hold the run where it is (survives GitOps syncs)",
  resume: "go on after a pause",
  undo: "put the previous release back on the primary (within analysis.bake's window)",
};

export function timeoutMs(value: string | undefined, fallback: string): number {
  const ms = parseDuration(value ?? fallback);
  if (ms === undefined)
    throw new Error(`--timeout ${value}: write a duration such as 90s or 10m`);
  return ms;
}

export function parseWaitFor(text: string | undefined): WaitFor {
  if (text === "promoted" || text === "failed") return { kind: text };
  const phase = /^phase=(\w+)$/.exec(text ?? "")?.[1];
  if (phase) return { kind: "phase", phase };
  throw new Error(
    `--for ${text ?? "(missing)"}: use promoted, failed or phase=<Phase>`,
  );
}

/** A session against the cluster the connection flags name; closed after the command. */
export async function withSession(
  connection: Connection,
  work: (session: Session) => Promise<number>,
): Promise<number> {
  const reach = await cliConnection(connection);
  const client = new KubeClient(reach.access, {
    userAgent: `kubectl-siskin/${version}`,
    agent: reach.agent,
    headers: reach.headers,
    authorization: reach.authorization,
    ...(reach.requestTimeoutMs
      ? { requestTimeoutMs: reach.requestTimeoutMs }
      : {}),
  });
  try {
    return await work({
      client,
      api: new KubeApi(client),
      namespace: reach.access.namespace,
      user: connection.as ?? userInfo().username,
      print: (line) => console.log(line),
      progress: (line) => console.error(line),
      now: () => new Date(),
    });
  } finally {
    client.close();
  }
}
