import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import {
  cookieValue,
  csrfMatches,
  sessionCookieHeader,
  SessionStore,
} from "./sessions.ts";

const user = { username: "system:serviceaccount:apps:alice" };

describe("dashboard sessions", () => {
  it("a session lives until its expiry, then is gone", () => {
    const clock = new FakeClock(1_000_000);
    const store = new SessionStore(clock, 60_000);
    const session = store.create(user);
    expect(store.get(session.id)?.user).toEqual(user);
    clock.advance(59_999);
    expect(store.get(session.id)).toBeDefined();
    clock.advance(1);
    expect(store.get(session.id)).toBeUndefined();
    expect(store.size).toBe(0);
    expect(store.get("forged")).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });

  it("ids and CSRF tokens are random and distinct; the CSRF check is exact", () => {
    const store = new SessionStore(new FakeClock(0), 60_000);
    const a = store.create(user);
    const b = store.create(user);
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfMatches(a, a.csrf)).toBe(true);
    expect(csrfMatches(a, b.csrf)).toBe(false);
    expect(csrfMatches(a, `${a.csrf}x`)).toBe(false);
    expect(csrfMatches(a, undefined)).toBe(false);
  });

  it("never holds more than its cap: the oldest session goes first", () => {
    const store = new SessionStore(new FakeClock(0), 60_000, 3);
    const first = store.create(user);
    for (let i = 0; i < 3; i++) store.create(user);
    expect(store.size).toBe(3);
    expect(store.get(first.id)).toBeUndefined();
  });

  it("the cookie is HttpOnly and SameSite=Strict, and read back from a Cookie header", () => {
    const session = new SessionStore(new FakeClock(0), 60_000).create(user);
    const header = sessionCookieHeader(session, 60_000, true);
    expect(header).toBe(
      `siskin_session=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure`,
    );
    expect(cookieValue(`a=b; siskin_session=${session.id}; c=d`)).toBe(
      session.id,
    );
    expect(cookieValue("a=b")).toBeUndefined();
  });
});
