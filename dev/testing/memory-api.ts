// An API server in memory, for unit tests of the glue: collections by path, LIST with a resource
// version, WATCH streams that deliver every later write, GET of one object, and 404 for the rest. Its
// writer stands in for kubeObjectWriter (apply, merge patch, status patch, delete), so the operator's
// own writes reach its caches through the watches, as on a real cluster.
import type { KubeClient, WatchEvent } from "../../src/kube/client/http.ts";
import { statusError } from "../../src/kube/client/errors.ts";
import type { ObjectWriter } from "../../src/kube/objects.ts";
import { resourceOf, resourcePath } from "../../src/kube/client/resources.ts";
import { flaggerApiVersion } from "../../src/api/identity.ts";

type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & { name?: string; namespace?: string };
};

export interface Write {
  verb: "apply" | "mergePatch" | "status" | "delete" | "finalizers";
  kind: string;
  name: string;
  body: unknown;
}

export class MemoryApi {
  private version = 1;
  private readonly collections = new Map<string, Map<string, Obj>>();
  private readonly watchers = new Set<{
    path: string;
    onEvent: (e: WatchEvent) => void;
  }>();
  /** Every write, in order: what a test reads back. */
  readonly writes: Write[] = [];
  /** API groups the discovery answers for (group/version), as served resource names. */
  readonly served = new Map<string, string[]>();

  /** The collection path of an object (namespaced). */
  private collectionOf(o: Obj): string {
    return resourcePath(resourceOf(o.apiVersion ?? "", o.kind ?? ""), {
      namespace: o.metadata?.namespace ?? "",
    });
  }

  /** Stores an object as the API server would (a new resourceVersion) and tells the watches. */
  put(object: Obj): Obj {
    const path = this.collectionOf(object);
    const items = this.collections.get(path) ?? new Map<string, Obj>();
    this.collections.set(path, items);
    const name = object.metadata?.name ?? "";
    const existed = items.has(name);
    const stored = structuredClone({
      ...object,
      metadata: {
        uid: `uid-${name}`,
        generation: 1,
        ...object.metadata,
        resourceVersion: String(++this.version),
      },
    });
    items.set(name, stored);
    this.emit(path, { type: existed ? "MODIFIED" : "ADDED", object: stored });
    return stored;
  }

  get(apiVersion: string, kind: string, namespace: string, name: string) {
    return this.collections
      .get(resourcePath(resourceOf(apiVersion, kind), { namespace }))
      ?.get(name);
  }

  private emit(path: string, event: WatchEvent): void {
    for (const w of this.watchers) if (w.path === path) w.onEvent(event);
  }

  /** The part of KubeClient the caches and discovery use. */
  client(): KubeClient {
    const request = async (req: {
      method: string;
      path: string;
    }): Promise<unknown> => {
      const discovery = /^\/apis\/([^/]+\/[^/]+)$/.exec(req.path);
      if (discovery) {
        const names = this.served.get(discovery[1] ?? "");
        if (!names) throw statusError(req.method, req.path, 404, "{}");
        return { resources: names.map((name) => ({ name })) };
      }
      const list = this.collections.get(req.path);
      if (list !== undefined || isCollection(req.path))
        return {
          metadata: { resourceVersion: String(this.version) },
          items: [...(list?.values() ?? [])],
        };
      const at = req.path.lastIndexOf("/");
      const found = this.collections
        .get(req.path.slice(0, at))
        ?.get(req.path.slice(at + 1));
      if (!found) throw statusError(req.method, req.path, 404, "{}");
      return found;
    };
    const watch = (
      path: string,
      _query: unknown,
      onEvent: (e: WatchEvent) => void,
      signal: AbortSignal,
    ) =>
      new Promise<void>((resolve) => {
        const watcher = { path, onEvent };
        this.watchers.add(watcher);
        signal.addEventListener("abort", () => {
          this.watchers.delete(watcher);
          resolve();
        });
      });
    return { request, watch } as unknown as KubeClient;
  }

  /** The operator's writes, applied here (and recorded). */
  writer(): ObjectWriter {
    /** Records a write of `o` and returns what is stored under its name now. */
    const written = (verb: Write["verb"], o: Obj, body: unknown = o) => {
      const name = o.metadata?.name ?? "";
      this.writes.push({ verb, kind: o.kind ?? "", name, body });
      return this.get(
        o.apiVersion ?? "",
        o.kind ?? "",
        o.metadata?.namespace ?? "",
        name,
      );
    };
    const canary = (namespace: string, name: string): Obj => ({
      apiVersion: flaggerApiVersion,
      kind: "Canary",
      metadata: { namespace, name },
    });
    return {
      apply: async <T>(object: T) => {
        const before = written("apply", object as Obj);
        return this.put({ ...before, ...(object as Obj) }) as T;
      },
      mergePatch: async (object) => {
        const before = written("mergePatch", object as Obj);
        if (before) this.put(merge(before, object) as Obj);
      },
      delete: async (object) => {
        written("delete", object as Obj);
      },
      patchCanaryStatus: async (namespace, name, status) => {
        const before = written("status", canary(namespace, name), status);
        if (before) this.put(merge(before, { status }) as Obj);
      },
      setCanaryFinalizers: async (namespace, name, _version, finalizers) => {
        const before = written(
          "finalizers",
          canary(namespace, name),
          finalizers,
        );
        if (before)
          this.put(merge(before, { metadata: { finalizers } }) as Obj);
      },
    };
  }
}

const isCollection = (path: string) =>
  /\/(deployments|horizontalpodautoscalers|configmaps|secrets|services|canaries|metrictemplates|alertproviders|upstreams|routetables|httproutes|grpcroutes)$/.test(
    path,
  );

/** A JSON merge patch (RFC 7386): null removes a key. */
function merge(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}
