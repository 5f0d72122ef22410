// Small HTTP helpers for the dashboard: JSON answers with the headers every answer carries, bounded
// request bodies, and static files.
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLarge, readBody } from "../util/read-body.ts";

/** Every answer: no framing, no sniffing, no referrer, scripts and styles only from this origin. */
export const securityHeaders = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      ...securityHeaders,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    })
    .end(JSON.stringify(body));
}

export const sendError = (
  res: ServerResponse,
  status: number,
  message: string,
): void => sendJson(res, status, { error: message });

export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The request's JSON body, refused past `limit` bytes or when it is not a JSON object. */
export async function readJsonBody(
  req: IncomingMessage,
  limit = 16 * 1024,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLarge)
      throw new BodyError(413, `request body over ${limit} bytes`);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text || "{}");
  } catch {
    throw new BodyError(400, "request body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new BodyError(400, "request body must be a JSON object");
  return value as Record<string, unknown>;
}

/**
 * A write from another site: the browser says where the page came from (Origin), and it must be this
 * server. Requests without Origin (curl, tests) are judged by the CSRF token alone.
 */
export function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
