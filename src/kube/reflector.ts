// A list-watch cache (client-go's reflector + store) on the pooled client: paginated LIST, then WATCH
// from its resourceVersion with bookmarks, resumed after the server ends it, re-listed only when the
// version has expired (410); failures back off with jitter on the injected clock.
//
// Memory follows the canaries, not the cluster: an object the `keep` predicate does not want is stored
// as a stub (name, namespace, resourceVersion). With `metadataOnly`, LIST and WATCH carry only
// PartialObjectMetadata, and a wanted object is fetched whole (GET) when it appears or changes, so a
// cluster's unrelated ConfigMaps and Secrets never cross the wire with their data.
import type { Logger } from "../telemetry/logger.ts";
import { backoffDelay, sleep, type BackoffPolicy } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { statusCodeOf } from "./client/errors.ts";
import type { KubeClient, Query, WatchEvent } from "./client/http.ts";
import { ObjectStore, isStub, stubOf, type StoredObject } from "./store.ts";

export type { StoredObject, StoreEvent } from "./store.ts";
export { isStub } from "./store.ts";

export interface ReflectorOptions<T> {
  client: KubeClient;
  /** Collection path, all namespaces or one: /apis/apps/v1/deployments. */
  path: string;
  clock: Clock;
  logger: Logger;
  /** LIST and WATCH PartialObjectMetadata; wanted objects are fetched whole. */
  metadataOnly?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  /** Which objects to hold whole (default: all); the others are stubs. `metadata` when known. */
  keep?: (
    namespace: string,
    name: string,
    metadata?: Record<string, unknown>,
  ) => boolean;
  /** What to hold of a kept object (default: all but metadata.managedFields). */
  transform?: (object: Record<string, unknown>) => T;
  retry?: BackoffPolicy;
  random?: () => number;
  pageSize?: number;
  /** A watch that delivers nothing (not even a bookmark) for this long is taken for dead. */
  watchIdleTimeoutMs?: number;
  /** Told of each watch event that adds, changes or deletes an object (not bookmarks). */
  onWatchEvent?: () => void;
}

const metadataListAccept =
  "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json";
const metadataAccept =
  "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json";

export const defaultWatchRetry: BackoffPolicy = {
  baseMs: 500,
  maxMs: 30_000,
  jitter: 0.5,
};

/** Drops metadata.managedFields, which can be larger than the rest of the object. */
/**
 * Three bookmark intervals: the API server sends a bookmark on a healthy watch about once a minute, so a
 * watch silent for three minutes is on a dead (half-open) connection. Without this, such a watch was
 * noticed only at its request timeout, up to 11 minutes.
 */
export const defaultWatchIdleTimeoutMs = 180_000;

/** A watch the server ended sooner than this counts as a failure for the backoff. */
const minWatchMs = 1000;

export function withoutManagedFields<T>(object: Record<string, unknown>): T {
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (metadata && "managedFields" in metadata) {
    const rest = { ...metadata };
    delete rest.managedFields;
    return { ...object, metadata: rest } as T;
  }
  return object as T;
}

class Expired extends Error {}

export class Reflector<T extends StoredObject> extends ObjectStore<T> {
  /** Watch or list failures that led to a restart (exported as a metric). */
  restarts = 0;
  private readonly o: ReflectorOptions<T>;
  private resourceVersion = "";
  private isSynced = false;
  private stopped = true;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  /** Objects being fetched; true when a change arrived meanwhile. */
  private readonly fetching = new Map<string, boolean>();

  /** Constructing does no I/O; start() does. */
  constructor(options: ReflectorOptions<T>) {
    super((error) =>
      options.logger.error(
        { path: options.path, err: errorMessage(error) },
        "store event handler failed",
      ),
    );
    this.o = options;
  }

  /** Starts listing and watching; resolves once the first list is in the store. */
  start(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve) => {
      this.running = this.run(resolve);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.running;
  }

  synced(): boolean {
    return this.isSynced;
  }

  /**
   * Brings one object in line with `keep`: fetches it whole when it is now wanted and only a stub is
   * held, or drops it to a stub when it no longer is. Call it when what the canaries use changes.
   */
  reconsider(namespace: string, name: string): void {
    const held = this.get(name, namespace);
    if (!held) return;
    const wanted = this.wants(
      namespace,
      name,
      isStub(held) ? undefined : held.metadata,
    );
    if (wanted && isStub(held)) this.fetch(namespace, name);
    else if (!wanted && !isStub(held)) this.replace(stubOf(held));
  }

  /** Stores an object Siskin just wrote (the API server's answer) without telling the handlers. */
  remember(raw: Record<string, unknown>): void {
    this.replace(this.shape(raw), false);
  }

  private wants(
    namespace: string,
    name: string,
    metadata?: Record<string, unknown>,
  ): boolean {
    return this.o.keep?.(namespace, name, metadata) ?? true;
  }

  private shape(raw: Record<string, unknown>): T {
    const meta = (raw.metadata ?? {}) as Record<string, unknown>;
    if (
      this.o.metadataOnly ||
      !this.wants(String(meta.namespace ?? ""), String(meta.name ?? ""), meta)
    )
      return stubOf(raw) as T;
    return this.o.transform
      ? this.o.transform(raw)
      : withoutManagedFields<T>(raw);
  }

  /** Stores what a LIST or WATCH delivered; in metadata mode a wanted object is then fetched whole. */
  private arrived(raw: Record<string, unknown>): void {
    const object = this.shape(raw);
    const { name, namespace } = keyOf(object);
    const held = this.get(name, namespace);
    const meta = raw.metadata as Record<string, unknown> | undefined;
    if (this.o.metadataOnly && this.wants(namespace, name, meta)) {
      const version = object.metadata?.resourceVersion;
      if (held && !isStub(held) && held.metadata?.resourceVersion === version)
        return;
      if (!held) this.replace(object, false);
      this.fetch(namespace, name);
      return;
    }
    this.replace(object);
  }

  /**
   * GET one object whole. One fetch per object at a time; a change that arrives meanwhile fetches it
   * once more afterwards. Retried with backoff while the object is wanted.
   */
  private fetch(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.fetching.has(key)) {
      this.fetching.set(key, true);
      return;
    }
    this.fetching.set(key, false);
    void this.fetchWithRetry(namespace, name).finally(() => {
      const again = this.fetching.get(key);
      this.fetching.delete(key);
      if (again && !this.stopped) this.fetch(namespace, name);
    });
  }

  private async fetchWithRetry(namespace: string, name: string): Promise<void> {
    for (
      let attempt = 1;
      !this.stopped && this.wants(namespace, name);
      attempt++
    ) {
      try {
        const raw = await this.o.client.request<Record<string, unknown>>({
          method: "GET",
          path: objectPath(this.o.path, namespace, name),
        });
        if (this.wants(namespace, name))
          this.replace(
            this.o.transform
              ? this.o.transform(raw)
              : withoutManagedFields<T>(raw),
          );
        return;
      } catch (error) {
        if (statusCodeOf(error) === 404) return; // deleted: the watch says so next
        const delay = backoffDelay(
          attempt,
          this.o.retry ?? defaultWatchRetry,
          this.o.random,
        );
        this.o.logger.warn(
          {
            path: this.o.path,
            object: `${namespace}/${name}`,
            err: errorMessage(error),
            retryInMs: delay,
          },
          "fetch failed, retrying",
        );
        await sleep(this.o.clock, delay);
      }
    }
  }

  private async run(onSynced: () => void): Promise<void> {
    let failures = 0;
    let expirations = 0;
    while (!this.stopped) {
      let problem: string | undefined;
      try {
        if (!this.resourceVersion) {
          await this.relist();
          onSynced();
        }
        const started = this.o.clock.monotonicMs();
        await this.watchOnce();
        if (this.o.clock.monotonicMs() - started < minWatchMs)
          problem = "the watch ended at once";
        else failures = expirations = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof Expired || statusCodeOf(error) === 410) {
          // Too old: list again, at once the first time, with backoff if it keeps happening.
          this.resourceVersion = "";
          if (++expirations === 1) continue;
          problem = "the resource version expired again";
        } else problem = errorMessage(error);
      }
      if (problem === undefined || this.stopped) continue;
      failures++;
      this.restarts++;
      const delay = backoffDelay(
        failures,
        this.o.retry ?? defaultWatchRetry,
        this.o.random,
      );
      this.o.logger.warn(
        { path: this.o.path, err: problem, retryInMs: delay },
        "list/watch failed, retrying",
      );
      this.abort = new AbortController();
      await sleep(this.o.clock, delay, this.abort.signal);
    }
  }

  private selectorQuery(): Query {
    return {
      ...(this.o.labelSelector ? { labelSelector: this.o.labelSelector } : {}),
      ...(this.o.fieldSelector ? { fieldSelector: this.o.fieldSelector } : {}),
    };
  }

  /** A paginated list; the store becomes exactly its result (deletes included). */
  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let token: string | undefined;
    let version = "";
    do {
      const page = await this.o.client.request<{
        metadata?: { resourceVersion?: string; continue?: string };
        items?: Record<string, unknown>[];
      }>({
        method: "GET",
        path: this.o.path,
        verb: "LIST",
        query: {
          ...this.selectorQuery(),
          limit: this.o.pageSize ?? 500,
          ...(token ? { continue: token } : {}),
        },
        ...(this.o.metadataOnly ? { accept: metadataListAccept } : {}),
        timeoutMs: 120_000,
      });
      for (const raw of page.items ?? []) {
        const { name, namespace } = keyOf(raw as StoredObject);
        seen.add(`${namespace}/${name}`);
        this.arrived(raw);
      }
      token = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion ?? version;
    } while (token);
    for (const old of this.list()) {
      const { name, namespace } = keyOf(old);
      if (!seen.has(`${namespace}/${name}`)) this.remove(old);
    }
    this.resourceVersion = version;
    this.isSynced = true;
  }

  /** One watch until the server ends it (a random 5-10 minutes, as client-go asks). */
  private async watchOnce(): Promise<void> {
    this.abort = new AbortController();
    const random = this.o.random ?? Math.random;
    const timeoutSeconds = 300 + Math.floor(random() * 300);
    let expired = false;
    await this.o.client.watch(
      this.o.path,
      {
        ...this.selectorQuery(),
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
      },
      (event) => {
        if (this.handle(event) === "expired") {
          expired = true;
          this.abort?.abort();
        }
      },
      this.abort.signal,
      {
        ...(this.o.metadataOnly ? { accept: metadataAccept } : {}),
        idleTimeoutMs: this.o.watchIdleTimeoutMs ?? defaultWatchIdleTimeoutMs,
      },
    );
    if (expired) throw new Expired();
  }

  private handle(event: WatchEvent): "expired" | undefined {
    if (event.type === "ERROR") {
      const status = event.object as { code?: number; message?: string };
      if (status.code === 410) return "expired";
      throw new Error(
        `watch error: ${status.message ?? JSON.stringify(status)}`,
      );
    }
    const version = (event.object.metadata as { resourceVersion?: string })
      ?.resourceVersion;
    if (event.type !== "BOOKMARK") this.o.onWatchEvent?.();
    if (event.type === "DELETED") this.remove(stubOf(event.object) as T);
    else if (event.type !== "BOOKMARK") this.arrived(event.object);
    if (version) this.resourceVersion = version;
    return undefined;
  }
}

function keyOf(object: StoredObject): { name: string; namespace: string } {
  return {
    name: object.metadata?.name ?? "",
    namespace: object.metadata?.namespace ?? "",
  };
}

/** /apis/apps/v1/deployments + ns + name -> /apis/apps/v1/namespaces/<ns>/deployments/<name>. */
export function objectPath(
  collection: string,
  namespace: string,
  name: string,
): string {
  const parts = collection.split("/");
  const plural = parts.pop() ?? "";
  const base = parts.join("/").replace(/\/namespaces\/[^/]+$/, "");
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${plural}/${encodeURIComponent(name)}`;
}
