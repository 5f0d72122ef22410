// The objects a reflector holds, by namespace and name, and the handlers told of each change. A stub
// stands for an object that exists but is not held whole (only name, namespace, resourceVersion).
export interface StoredObject {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    [key: string]: unknown;
  };
}

export type StoreVerb = "add" | "update" | "delete";

export interface StoreEvent<T> {
  verb: StoreVerb;
  object: T;
  /** The object before an update. */
  previous?: T;
}

const stubMark = Symbol("stub");

export function stubOf(
  raw: StoredObject | Record<string, unknown>,
): StoredObject {
  const meta = ((raw as StoredObject).metadata ?? {}) as NonNullable<
    StoredObject["metadata"]
  >;
  return {
    metadata: {
      name: meta.name ?? "",
      namespace: meta.namespace ?? "",
      ...(meta.resourceVersion
        ? { resourceVersion: meta.resourceVersion }
        : {}),
    },
    [stubMark]: true,
  } as StoredObject;
}

export const isStub = (object: StoredObject): boolean =>
  (object as { [stubMark]?: boolean })[stubMark] === true;

/**
 * How a stub is held: its resourceVersion alone, a number when it is one (a small integer takes no memory
 * of its own), the name and namespace being the keys it is held under. 79 bytes an object instead of 191
 * for the stub object: a cluster's unrelated Secrets and ConfigMaps are most of what the caches hold.
 */
type PackedStub = number | string;
type Held<T> = T | PackedStub;

function pack(stub: StoredObject): PackedStub {
  const version = stub.metadata?.resourceVersion ?? "";
  const n = Number(version);
  return Number.isSafeInteger(n) && String(n) === version ? n : version;
}

function unpack<T>(held: Held<T>, name: string, namespace: string): T {
  if (typeof held === "object") return held;
  return stubOf({
    metadata: { name, namespace, resourceVersion: String(held) },
  }) as T;
}

/**
 * Whether `a` is an older version than `b`. Resource versions are etcd revisions on every API server
 * Siskin meets; when either is not a number, nothing is considered older.
 */
function isOlder(a: StoredObject, b: StoredObject): boolean {
  const x = Number(a.metadata?.resourceVersion);
  const y = Number(b.metadata?.resourceVersion);
  return Number.isSafeInteger(x) && Number.isSafeInteger(y) && x < y;
}

export class ObjectStore<T extends StoredObject> {
  private readonly objects = new Map<string, Map<string, Held<T>>>();
  private readonly handlers: ((event: StoreEvent<T>) => void)[] = [];
  /** Hear every change, this process's own writes included (see onEveryChange). */
  private readonly viewers: ((event: StoreEvent<T>) => void)[] = [];
  private readonly onHandlerError: (error: unknown) => void;

  constructor(onHandlerError: (error: unknown) => void) {
    this.onHandlerError = onHandlerError;
  }

  /** Changes from the API server; not the ones this process wrote and remembered (it knows those). */
  on(handler: (event: StoreEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  /**
   * Every change, including the objects this process wrote (remember()): for views of the store such as
   * the dashboard, which must show the operator's own status writes, whose watch events are dropped as
   * already held.
   */
  onEveryChange(handler: (event: StoreEvent<T>) => void): void {
    this.viewers.push(handler);
  }

  /** The object, whole or as a stub (see isStub), or undefined when it does not exist. */
  get(name: string, namespace = ""): T | undefined {
    const held = this.objects.get(namespace)?.get(name);
    return held === undefined ? undefined : unpack(held, name, namespace);
  }

  list(namespace?: string): T[] {
    // forEach rather than entries(): a reconcile lists its namespace's Canaries, and the operator runs
    // without V8's optimizing compilers, which would otherwise elide the [name, value] pairs.
    const out: T[] = [];
    const add = (inNamespace: Map<string, Held<T>>, ns: string) =>
      inNamespace.forEach((held, name) => out.push(unpack(held, name, ns)));
    if (namespace === undefined) this.objects.forEach(add);
    else {
      const inNamespace = this.objects.get(namespace);
      if (inNamespace) add(inNamespace, namespace);
    }
    return out;
  }

  get size(): number {
    let n = 0;
    for (const m of this.objects.values()) n += m.size;
    return n;
  }

  /** Puts an object in the store; handlers hear of a change unless `notify` is false. */
  protected replace(object: T | StoredObject, notify = true): void {
    const name = object.metadata?.name ?? "";
    const namespace = object.metadata?.namespace ?? "";
    let inNamespace = this.objects.get(namespace);
    if (!inNamespace) this.objects.set(namespace, (inNamespace = new Map()));
    const held = inNamespace.get(name);
    const previous =
      held === undefined ? undefined : unpack(held, name, namespace);
    // A watch event older than what a write already put here (the answer can beat the watch).
    if (previous && isOlder(object, previous)) return;
    if (
      previous &&
      previous.metadata?.resourceVersion === object.metadata?.resourceVersion &&
      isStub(previous) === isStub(object)
    )
      return;
    inNamespace.set(name, isStub(object) ? pack(object) : (object as T));
    const event: StoreEvent<T> = previous
      ? { verb: "update", object: object as T, previous }
      : { verb: "add", object: object as T };
    if (notify) this.emit(this.handlers, event);
    this.emit(this.viewers, event);
  }

  protected remove(object: StoredObject): void {
    const name = object.metadata?.name ?? "";
    const namespace = object.metadata?.namespace ?? "";
    const inNamespace = this.objects.get(namespace);
    const held = inNamespace?.get(name);
    if (!inNamespace || held === undefined) return;
    const previous = unpack(held, name, namespace);
    inNamespace.delete(name);
    if (inNamespace.size === 0) this.objects.delete(namespace);
    const event: StoreEvent<T> = { verb: "delete", object: previous };
    this.emit(this.handlers, event);
    this.emit(this.viewers, event);
  }

  private emit(
    handlers: ((event: StoreEvent<T>) => void)[],
    event: StoreEvent<T>,
  ): void {
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (error) {
        this.onHandlerError(error);
      }
    }
  }
}
