import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { defaultDashboardLimits } from "./limits.ts";
import { readSession, signSession } from "./session-cookie.ts";
import {
  cookieValue,
  csrfMatches,
  memoryRevocations,
  sessionCookieHeader,
  SessionStore,
  type DashboardUser,
  type Login,
} from "./sessions.ts";

const alice: DashboardUser = {
  username: "system:serviceaccount:apps:alice",
  groups: ["system:serviceaccounts", "system:authenticated"],
};
const bob: DashboardUser = { username: "bob" };
const key = randomBytes(32);

function store(
  clock = new FakeClock(1_000_000),
  limits: Partial<typeof defaultDashboardLimits> = {},
  revocations = memoryRevocations(clock),
  storeKey = key,
) {
  return new SessionStore({
    clock,
    ttlMs: 60_000,
    key: storeKey,
    limits: { ...defaultDashboardLimits, ...limits },
    revocations,
  });
}

const issued = (login: Login) => {
  if ("refused" in login) throw new Error(login.refused);
  return login;
};

describe("dashboard sessions", () => {
  it("a session lives until its expiry, then its cookie is refused", async () => {
    const clock = new FakeClock(1_000_000);
    const sessions = store(clock);
    const { session, cookie } = issued(await sessions.create(alice));
    expect(sessions.get(cookie)?.user).toEqual(alice);
    clock.advance(59_999);
    expect(sessions.get(cookie)?.id).toBe(session.id);
    clock.advance(1);
    expect(sessions.get(cookie)).toBeUndefined();
    expect(sessions.size).toBe(0);
    expect(sessions.get("forged")).toBeUndefined();
    expect(sessions.get(undefined)).toBeUndefined();
  });

  it("any replica with the key reads the cookie; another key, a changed payload or mac does not", async () => {
    const clock = new FakeClock(1_000_000);
    const revocations = memoryRevocations(clock);
    const a = store(clock, {}, revocations);
    const b = store(clock, {}, revocations);
    const { session, cookie } = issued(await a.create(alice));
    expect(b.get(cookie)).toEqual(session);
    expect(
      store(clock, {}, revocations, randomBytes(32)).get(cookie),
    ).toBeUndefined();
    const [v, payload = "", mac = ""] = cookie.split(".");
    const extended = signSession(randomBytes(32), {
      ...session,
      expiresAt: session.expiresAt + 3_600_000,
    }).split(".")[1];
    for (const forged of [
      `${v}.${extended}.${mac}`,
      `${v}.${payload}.${mac.slice(1)}`,
      `${v}.${payload.slice(0, -2)}.${mac}`,
      `v2.${payload}.${mac}`,
      `${v}.${payload}`,
      "x".repeat(5000),
    ])
      expect(b.get(forged), forged.slice(0, 40)).toBeUndefined();
    // A logout on one replica ends the session on the other.
    await b.revoke(session);
    expect(a.get(cookie)).toBeUndefined();
    expect(readSession(key, cookie)?.id).toBe(session.id);
  });

  it("ids and CSRF tokens are random and distinct; the CSRF check is exact", async () => {
    const sessions = store();
    const a = issued(await sessions.create(alice)).session;
    const b = issued(await sessions.create(alice)).session;
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfMatches(a, a.csrf)).toBe(true);
    expect(csrfMatches(a, b.csrf)).toBe(false);
    expect(csrfMatches(a, `${a.csrf}x`)).toBe(false);
    expect(csrfMatches(a, undefined)).toBe(false);
  });

  it("a user's next login past their cap ends their own oldest session, no one else's", async () => {
    const sessions = store(undefined, { sessionsPerUser: 3 });
    const bobs = issued(await sessions.create(bob)).cookie;
    const first = issued(await sessions.create(alice)).cookie;
    const rest = [];
    for (let i = 0; i < 3; i++)
      rest.push(issued(await sessions.create(alice)).cookie);
    expect(sessions.get(first)).toBeUndefined();
    for (const cookie of [bobs, ...rest])
      expect(sessions.get(cookie)).toBeDefined();
    expect(sessions.size).toBe(4);
  });

  it("past the replica's cap, logins are refused and nobody is logged out", async () => {
    const sessions = store(undefined, { sessions: 2 });
    const cookies = [
      issued(await sessions.create(alice)).cookie,
      issued(await sessions.create(bob)).cookie,
    ];
    const third = await sessions.create({ username: "carol" });
    expect(third).toEqual({
      status: 503,
      refused: "the dashboard has 2 live sessions; try again when some expire",
    });
    for (const cookie of cookies) expect(sessions.get(cookie)).toBeDefined();
  });

  it("a user with too many groups for a cookie is told so", async () => {
    const groups = Array.from({ length: 400 }, () =>
      randomBytes(12).toString("hex"),
    );
    const login = await store().create({ username: "many", groups });
    expect(login).toEqual({
      status: 400,
      refused: "many belongs to too many groups to fit a session cookie",
    });
  });

  it("the cookie is HttpOnly and SameSite=Strict, and read back from a Cookie header", async () => {
    const { cookie } = issued(await store().create(alice));
    const header = sessionCookieHeader(cookie, 60_000, true);
    expect(header).toBe(
      `siskin_session=${cookie}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60; Secure`,
    );
    expect(cookieValue(`a=b; siskin_session=${cookie}; c=d`)).toBe(cookie);
    expect(cookieValue("a=b")).toBeUndefined();
  });
});
