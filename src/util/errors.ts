/** Error codes, so callers (and the work queue) act on a code, not on message text. */
export type ErrorCode =
  | "INVALID_SPEC"
  | "KUBE_CONFLICT"
  | "NOT_FOUND"
  | "KUBE_API"
  | "PROVIDER_UNAVAILABLE"
  | "PROVIDER_QUERY"
  | "NOTIFIER"
  | "CONFIG";

export interface SiskinErrorOptions {
  cause?: unknown;
  /** True when trying again later may succeed (conflicts, timeouts, a provider that is down). */
  retriable?: boolean;
}

export class SiskinError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  constructor(
    code: ErrorCode,
    message: string,
    options: SiskinErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SiskinError";
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

export function isRetriable(error: unknown): boolean {
  if (error instanceof SiskinError) return error.retriable;
  return true; // unknown failures (network, API hiccups) are retried with backoff rather than dropped
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
