// The siskin.dev/request annotation, read as an observation for the decision core (analysis/answer-request.ts).
// A request is new until its id is recorded in status.lastRequest.
import { flaggerApiVersion } from "../api/identity.ts";
import type { Canary } from "../api/canary.ts";
import {
  requestActions,
  type OperatorRequest,
  type RequestAction,
  type UnreadableRequest,
} from "../analysis/types.ts";
import type { KubeApi } from "../kube/api.ts";
import { contentHash } from "../util/hash.ts";

export const requestAnnotation = "siskin.dev/request";

/**
 * Asks the operator to act on a Canary (kubectl siskin and the dashboard's buttons). Metadata only: a
 * GitOps sync owns the spec, not this annotation, so the request survives it.
 */
export async function writeRequest(
  api: KubeApi,
  canary: { namespace: string; name: string },
  request: OperatorRequest,
  fieldManager: string,
): Promise<void> {
  const text = JSON.stringify({
    action: request.action,
    id: request.id,
    by: request.by,
    ...(request.reason ? { reason: request.reason } : {}),
  });
  await api.patch(
    { apiVersion: flaggerApiVersion, kind: "Canary", ...canary },
    { metadata: { annotations: { [requestAnnotation]: text } } },
    "merge",
    { fieldManager },
  );
}

export function pendingRequest(
  canary: Canary,
): OperatorRequest | UnreadableRequest | undefined {
  const text = canary.metadata.annotations?.[requestAnnotation];
  if (!text) return undefined;
  const request = readRequest(text);
  return request.id === canary.status?.lastRequest?.id ? undefined : request;
}

function readRequest(text: string): OperatorRequest | UnreadableRequest {
  // Without a readable id, the text itself identifies the request, so a bad one is answered once.
  const fallbackId = `unreadable-${contentHash(text).slice(0, 8)}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      id: fallbackId,
      problem: `annotation ${requestAnnotation} is not JSON; write {"action":"promote","id":"<unique id>","by":"<who>"} (kubectl siskin does)`,
    };
  }
  const r = (value ?? {}) as Record<string, unknown>;
  const id = typeof r.id === "string" && r.id ? r.id : undefined;
  if (!id)
    return {
      id: fallbackId,
      problem: `annotation ${requestAnnotation} needs a string "id", unique per request`,
    };
  if (!requestActions.includes(r.action as RequestAction))
    return {
      id,
      problem: `annotation ${requestAnnotation}: "action" must be one of ${requestActions.join(", ")}`,
    };
  return {
    id,
    action: r.action as RequestAction,
    by: typeof r.by === "string" ? r.by : "",
    ...(typeof r.reason === "string" ? { reason: r.reason } : {}),
  };
}
