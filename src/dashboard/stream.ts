// Live updates for open dashboard pages, as server-sent events fed by the operator's caches: a change of
// a Canary (or a new Event on it) is pushed to each page whose session may see its namespace. Viewers
// cost no API call beyond the occasional access review (cached per session).
import type { ServerResponse } from "node:http";
import type { Canary } from "../api/canary.ts";
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
  now(): number;
}

const keepAliveMs = 25_000;

export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  private readonly sources: StreamSources;
  private readonly timer: NodeJS.Timeout;

  constructor(sources: StreamSources) {
    this.sources = sources;
    // A comment line keeps proxies from closing an idle stream; expired sessions lose theirs.
    this.timer = setInterval(() => this.tick(), keepAliveMs);
    this.timer.unref();
  }

  add(client: StreamClient): void {
    client.res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    client.res.write("retry: 2000\n\n");
    this.clients.add(client);
    client.res.on("close", () => this.clients.delete(client));
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * A Canary was added, changed or deleted ("changed", "gone"), or a new Event on it arrived ("events":
   * its summary did not change, so only pages showing that canary hear of it).
   */
  canaryChanged(
    canary: Canary,
    what: "changed" | "gone" | "events" = "changed",
  ): void {
    const key = `${canary.metadata.namespace}/${canary.metadata.name}`;
    for (const client of this.clients) {
      if (what === "events" && client.focus !== key) continue;
      // A review that failed (API server unreachable) skips this update; the next change retries.
      this.push(client, canary, what).catch(() => undefined);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  private async push(
    client: StreamClient,
    canary: Canary,
    what: "changed" | "gone" | "events",
  ): Promise<void> {
    const { namespace, name } = canary.metadata;
    if (!(await this.sources.canSee(client.session, namespace))) return;
    if (what === "gone") {
      send(client, "removed", { namespace, name });
      return;
    }
    if (what === "changed")
      send(client, "summary", this.sources.summary(canary));
    if (client.focus === `${namespace}/${name}`)
      send(client, "detail", {
        ...this.sources.detail(canary),
        canPatch: await this.sources.canPatch(client.session, namespace),
      });
  }

  private tick(): void {
    const now = this.sources.now();
    for (const client of this.clients) {
      if (client.session.expiresAt <= now) {
        send(client, "expired", {});
        client.res.end();
        this.clients.delete(client);
      } else client.res.write(": keep-alive\n\n");
    }
  }
}

function send(client: StreamClient, event: string, data: unknown): void {
  client.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
