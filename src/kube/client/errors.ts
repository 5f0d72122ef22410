// API errors carry the HTTP status and the API server's reason, so callers act on a code (404 gone, 409
// conflict, 410 expired) and people read the server's own message.
import { SiskinError, type ErrorCode } from "../../util/errors.ts";

export class KubeApiError extends SiskinError {
  /** HTTP status, or 0 when no answer came (connection refused, timeout). */
  readonly statusCode: number;
  /** The Status object's reason (NotFound, Conflict, Expired, Invalid, ...). */
  readonly reason: string;

  constructor(
    code: ErrorCode,
    message: string,
    statusCode: number,
    reason: string,
    options: { cause?: unknown; retriable?: boolean } = {},
  ) {
    super(code, message, options);
    this.name = "KubeApiError";
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

/** The status code of an API error, or undefined for anything else. */
export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.statusCode : undefined;
}

export function statusError(
  method: string,
  path: string,
  status: number,
  body: string,
): KubeApiError {
  let message = body.slice(0, 500);
  let reason = "";
  try {
    const parsed = JSON.parse(body) as { message?: string; reason?: string };
    message = parsed.message ?? message;
    reason = parsed.reason ?? "";
  } catch {
    // not a Status object: keep the start of the body
  }
  const what = `${method} ${path.split("?")[0]}`;
  if (status === 404)
    return new KubeApiError("NOT_FOUND", `${what}: not found`, status, reason);
  if (status === 409)
    return new KubeApiError(
      "KUBE_CONFLICT",
      `${what}: conflict (${message}); will retry`,
      status,
      reason,
      { retriable: true },
    );
  const retriable = status >= 500 || status === 429 || status === 410;
  return new KubeApiError(
    "KUBE_API",
    `${what} failed (${status}): ${message}`,
    status,
    reason,
    { retriable },
  );
}

export function transportError(
  method: string,
  path: string,
  error: unknown,
): KubeApiError {
  const detail = error instanceof Error ? error.message : String(error);
  return new KubeApiError(
    "KUBE_API",
    `${method} ${path.split("?")[0]} failed (no response): ${detail}`,
    0,
    "",
    { cause: error, retriable: true },
  );
}
