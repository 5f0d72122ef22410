import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import type { Canary } from "../api/canary.ts";
import { defaultDashboardLimits } from "./limits.ts";
import type { Session } from "./sessions.ts";
import { StreamHub, type StreamSources } from "./stream.ts";
import type { CanaryDetail, CanarySummary } from "./views.ts";

/** A response that records what was written; writableLength says how much a reader left unread. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  ended = false;
  destroyed = false;
  writableLength = 0;
  writeHead() {
    return this;
  }
  write(text: string) {
    this.written.push(text);
    return true;
  }
  end(text?: string) {
    if (text) this.written.push(text);
    this.ended = true;
    this.emit("close");
  }
  destroy() {
    this.destroyed = true;
    this.emit("close");
  }
}

const session = (id: string, expiresAt = 60_000): Session => ({
  id,
  user: { username: id },
  csrf: "",
  expiresAt,
});
const canary = {
  metadata: { namespace: "apps", name: "podinfo" },
} as unknown as Canary;

function hub(limits: Partial<typeof defaultDashboardLimits> = {}) {
  const clock = new FakeClock(0);
  const calls = { summary: 0, detail: 0 };
  const sources: StreamSources = {
    summary: () => {
      calls.summary++;
      return { name: "podinfo" } as unknown as CanarySummary;
    },
    detail: () => {
      calls.detail++;
      return { name: "podinfo" } as unknown as CanaryDetail;
    },
    canSee: async () => true,
    canPatch: async (s) => s.id === "editor",
    clock,
    limits: { ...defaultDashboardLimits, ...limits },
  };
  return { hub: new StreamHub(sources), clock, calls };
}

const open = (h: StreamHub, s: Session, focus?: string) => {
  const res = new FakeResponse();
  const refused = h.add({
    session: s,
    res: res as unknown as ServerResponse,
    ...(focus ? { focus } : {}),
  });
  return { res, refused };
};
const settle = () => new Promise((r) => setImmediate(r));

describe("StreamHub", () => {
  it("caps streams per session and overall, and frees a place when one closes", () => {
    const { hub: h } = hub({ streamsPerSession: 2, streams: 3 });
    const a = session("a");
    const first = open(h, a);
    expect(open(h, a).refused).toBeUndefined();
    expect(open(h, a).refused).toBe(
      "this session has 2 live streams; close a dashboard tab",
    );
    expect(open(h, session("b")).refused).toBeUndefined();
    expect(open(h, session("c")).refused).toBe(
      "the dashboard serves 3 live streams; try again later",
    );
    first.res.emit("close");
    expect(open(h, session("c")).refused).toBeUndefined();
    expect(h.size).toBe(3);
  });

  it("serialises a change once for every stream, details once per canPatch answer", async () => {
    const { hub: h, calls } = hub();
    const streams = [
      open(h, session("editor"), "apps/podinfo"),
      open(h, session("viewer"), "apps/podinfo"),
      open(h, session("lister")),
      open(h, session("lister2")),
    ];
    h.canaryChanged(canary);
    await settle();
    await settle();
    expect(calls.summary).toBe(1);
    expect(calls.detail).toBe(2);
    for (const s of streams)
      expect(s.res.written.some((w) => w.startsWith("event: summary"))).toBe(
        true,
      );
    expect(streams[0]?.res.written.at(-1)).toContain('"canPatch":true');
    expect(streams[1]?.res.written.at(-1)).toContain('"canPatch":false');
  });

  it("drops a stream whose reader has fallen behind, keeps the others", async () => {
    const { hub: h } = hub({ streamBufferBytes: 1000 });
    const slow = open(h, session("slow"));
    const fast = open(h, session("fast"));
    slow.res.writableLength = 990;
    h.canaryChanged(canary);
    await settle();
    expect(slow.res.destroyed).toBe(true);
    expect(fast.res.destroyed).toBe(false);
    expect(h.dropped).toBe(1);
    expect(h.size).toBe(1);
  });

  it("ends a session's streams at logout and at its expiry, telling the page why", () => {
    const { hub: h, clock } = hub();
    const out = open(h, session("out"));
    const late = open(h, session("late", 30_000));
    const other = open(h, session("other", 90_000));
    h.closeSession("out", "logout");
    expect(out.res.ended).toBe(true);
    expect(out.res.written.at(-1)).toBe(
      'event: expired\ndata: {"why":"logout"}\n\n',
    );
    clock.advance(30_000);
    expect(late.res.ended).toBe(true);
    expect(late.res.written.at(-1)).toContain('"why":"expired"');
    expect(other.res.ended).toBe(false);
    expect(h.size).toBe(1);
  });
});
