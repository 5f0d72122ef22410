// Live updates for open dashboard pages, as server-sent events fed by the operator's caches: a change of
// a Canary (or a new Event on it) is pushed to each page whose session may see its namespace. Viewers
// cost no API call beyond the occasional access review (cached). Bounded: streams per session and
// overall (429 past them), and bytes a slow reader may leave unread (past it the stream is dropped; the
// page's EventSource reconnects and reloads). Each change is serialised once for all streams. A
// session's streams end at its logout and at its expiry.
import type { ServerResponse } from "node:http";
import type { Canary } from "../api/canary.ts";
import type { Clock } from "../util/clock.ts";
import type { DashboardLimits } from "./limits.ts";
import type { Session } from "./sessions.ts";
import type { CanaryDetail, CanarySummary } from "./views.ts";

export interface StreamClient {
  session: Session;
  res: ServerResponse;
  /** The canary page this stream feeds with details ("namespace/name"); lists get summaries only. */
  focus?: string;
}

export interface StreamSources {
  summary(canary: Canary): CanarySummary;
  detail(canary: Canary): CanaryDetail;
  canSee(session: Session, namespace: string): Promise<boolean>;
  canPatch(session: Session, namespace: string): Promise<boolean>;
  clock: Clock;
  limits: Pick<
    DashboardLimits,
    "streams" | "streamsPerSession" | "streamBufferBytes"
  >;
}

const keepAliveMs = 25_000;

const frame = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Serialises a value the first time a stream needs it, then hands every stream the same text. */
function once(make: () => string): () => string {
  let text: string | undefined;
  return () => (text ??= make());
}

export class StreamHub {
  private readonly bySession = new Map<
    string,
    { clients: Set<StreamClient>; cancelExpiry: () => void }
  >();
  private count = 0;
  private readonly sources: StreamSources;
  private readonly timer: NodeJS.Timeout;
  /** Streams dropped because their reader fell behind. */
  dropped = 0;

  constructor(sources: StreamSources) {
    this.sources = sources;
    // A comment line keeps proxies from closing an idle stream.
    this.timer = setInterval(() => this.keepAlive(), keepAliveMs);
    this.timer.unref();
  }

  /** Opens a stream, or says why not (the caller answers 429). */
  add(client: StreamClient): string | undefined {
    const { streams, streamsPerSession } = this.sources.limits;
    const id = client.session.id;
    const mine = this.bySession.get(id);
    if ((mine?.clients.size ?? 0) >= streamsPerSession)
      return `this session has ${streamsPerSession} live streams; close a dashboard tab`;
    if (this.count >= streams)
      return `the dashboard serves ${streams} live streams; try again later`;
    client.res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    client.res.write("retry: 2000\n\n");
    let entry = mine;
    if (!entry) {
      const clock = this.sources.clock;
      const left = client.session.expiresAt - clock.now().getTime();
      entry = {
        clients: new Set(),
        cancelExpiry: clock.setTimer(Math.max(0, left), () =>
          this.closeSession(id, "expired"),
        ),
      };
      this.bySession.set(id, entry);
    }
    entry.clients.add(client);
    this.count++;
    client.res.on("close", () => this.remove(client));
    return undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Ends every stream of a session (logout, expiry), telling each page why. */
  closeSession(id: string, why: "expired" | "logout"): void {
    const entry = this.bySession.get(id);
    if (!entry) return;
    for (const client of [...entry.clients]) {
      client.res.end(frame("expired", { why }));
      this.remove(client);
    }
  }

  /**
   * A Canary was added, changed or deleted ("changed", "gone"), or a new Event on it arrived ("events":
   * its summary did not change, so only pages showing that canary hear of it).
   */
  canaryChanged(
    canary: Canary,
    what: "changed" | "gone" | "events" = "changed",
  ): void {
    const { namespace, name } = canary.metadata;
    const key = `${namespace}/${name}`;
    const removed = once(() => frame("removed", { namespace, name }));
    const summary = once(() => frame("summary", this.sources.summary(canary)));
    const detail = this.sources.detail.bind(this.sources);
    const details = {
      true: once(() => frame("detail", { ...detail(canary), canPatch: true })),
      false: once(() =>
        frame("detail", { ...detail(canary), canPatch: false }),
      ),
    };
    for (const entry of this.bySession.values())
      for (const client of entry.clients) {
        const focused = client.focus === key;
        if (what === "events" && !focused) continue;
        // A review that failed (API server unreachable) skips this update; the next change retries.
        void (async () => {
          if (!(await this.sources.canSee(client.session, namespace))) return;
          if (what === "gone") return this.write(client, removed());
          if (what === "changed") this.write(client, summary());
          if (focused) {
            const canPatch = await this.sources.canPatch(
              client.session,
              namespace,
            );
            this.write(client, details[canPatch ? "true" : "false"]());
          }
        })().catch(() => undefined);
      }
  }

  close(): void {
    clearInterval(this.timer);
    for (const entry of this.bySession.values()) {
      entry.cancelExpiry();
      for (const client of entry.clients) client.res.end();
    }
    this.bySession.clear();
    this.count = 0;
  }

  private write(client: StreamClient, text: string): void {
    const res = client.res;
    if (res.destroyed) return;
    if (
      res.writableLength + text.length >
      this.sources.limits.streamBufferBytes
    ) {
      // The reader is not keeping up: drop the stream rather than buffer for it without end.
      this.dropped++;
      res.destroy();
      this.remove(client);
      return;
    }
    res.write(text);
  }

  private remove(client: StreamClient): void {
    const id = client.session.id;
    const entry = this.bySession.get(id);
    if (!entry?.clients.delete(client)) return;
    this.count--;
    if (entry.clients.size === 0) {
      entry.cancelExpiry();
      this.bySession.delete(id);
    }
  }

  private keepAlive(): void {
    for (const entry of this.bySession.values())
      for (const client of entry.clients)
        this.write(client, ": keep-alive\n\n");
  }
}
