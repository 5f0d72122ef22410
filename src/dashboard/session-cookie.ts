// A session as a signed cookie, so any replica that has the key (the session Secret) can read it: the
// dashboard works whichever pod behind the Service answers, and a failover logs no one out. The value
// is v1.<payload>.<mac>: the payload (session id, user, expiry) deflated and base64url-encoded, the mac
// an HMAC-SHA256 of it. The CSRF token is an HMAC of the session id, so it needs no storage either.
// Nothing in the cookie is secret (it is the user's own identity); it cannot be forged or extended.
import { createHmac, timingSafeEqual } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { DashboardUser } from "./sessions.ts";

export interface SessionClaims {
  id: string;
  user: DashboardUser;
  expiresAt: number;
}

/** Browsers keep cookies up to 4096 bytes, name and attributes included. */
export const maxCookieValueBytes = 3800;

const mac = (key: Buffer, text: string): string =>
  createHmac("sha256", key).update(text).digest("base64url");

export function signSession(key: Buffer, claims: SessionClaims): string {
  const body = {
    s: claims.id,
    e: claims.expiresAt,
    u: claims.user.username,
    ...(claims.user.uid ? { i: claims.user.uid } : {}),
    ...(claims.user.groups ? { g: claims.user.groups } : {}),
    ...(claims.user.extra ? { x: claims.user.extra } : {}),
  };
  const payload = deflateRawSync(JSON.stringify(body)).toString("base64url");
  return `v1.${payload}.${mac(key, `v1.${payload}`)}`;
}

/** The claims of a cookie this key signed, or undefined for anything else (forged, truncated, other key). */
export function readSession(
  key: Buffer,
  value: string | undefined,
): SessionClaims | undefined {
  if (!value || value.length > maxCookieValueBytes) return undefined;
  const [version, payload, signature] = value.split(".");
  if (version !== "v1" || !payload || !signature) return undefined;
  const expected = Buffer.from(mac(key, `v1.${payload}`));
  const presented = Buffer.from(signature);
  if (
    expected.length !== presented.length ||
    !timingSafeEqual(expected, presented)
  )
    return undefined;
  try {
    const body = JSON.parse(
      inflateRawSync(Buffer.from(payload, "base64url"), {
        maxOutputLength: 64 * 1024,
      }).toString("utf8"),
    ) as {
      s: string;
      e: number;
      u: string;
      i?: string;
      g?: string[];
      x?: Record<string, string[]>;
    };
    return {
      id: body.s,
      expiresAt: body.e,
      user: {
        username: body.u,
        ...(body.i ? { uid: body.i } : {}),
        ...(body.g ? { groups: body.g } : {}),
        ...(body.x ? { extra: body.x } : {}),
      },
    };
  } catch {
    return undefined;
  }
}

/** The session's CSRF token: only a holder of the key can compute it. */
export const csrfOf = (key: Buffer, sessionId: string): string =>
  mac(key, `csrf\0${sessionId}`);
