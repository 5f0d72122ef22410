import { describe, expect, it } from "vitest";
import {
  isStub,
  ObjectStore,
  stubOf,
  type StoredObject,
  type StoreEvent,
} from "./store.ts";

/** A store fed the way a reflector feeds it: watch events notify, its own writes are remembered. */
class Fed extends ObjectStore<StoredObject> {
  constructor() {
    super((error) => {
      throw error;
    });
  }
  watched(object: StoredObject): void {
    this.replace(object);
  }
  remembered(object: StoredObject): void {
    this.replace(object, false);
  }
  deleted(object: StoredObject): void {
    this.remove(object);
  }
}

const canary = (rv: string): StoredObject => ({
  metadata: { name: "podinfo", namespace: "apps", resourceVersion: rv },
});

describe("ObjectStore listeners", () => {
  it("on() hears the API server's changes; onEveryChange() also this process's own writes", () => {
    const store = new Fed();
    const heard: string[] = [];
    const viewed: string[] = [];
    const rv = (e: StoreEvent<StoredObject>) =>
      `${e.verb} ${e.object.metadata?.resourceVersion}`;
    store.on((e) => heard.push(rv(e)));
    store.onEveryChange((e) => viewed.push(rv(e)));
    store.watched(canary("1"));
    store.remembered(canary("2")); // the operator's status write
    store.watched(canary("2")); // its watch event: already held, dropped
    store.watched(canary("3"));
    store.deleted(canary("3"));
    expect(heard).toEqual(["add 1", "update 3", "delete 3"]);
    expect(viewed).toEqual(["add 1", "update 2", "update 3", "delete 3"]);
  });
});

describe("ObjectStore stubs", () => {
  it("gives back a stub as it was put, whatever its resourceVersion", () => {
    const store = new Fed();
    const stub = (name: string, rv?: string) =>
      stubOf({
        metadata: {
          name,
          namespace: "apps",
          ...(rv ? { resourceVersion: rv } : {}),
        },
      });
    store.watched(stub("numeric", "12345"));
    store.watched(stub("opaque", "0x1f"));
    store.watched(stub("leading-zero", "007"));
    store.watched(stub("none"));
    for (const [name, rv] of [
      ["numeric", "12345"],
      ["opaque", "0x1f"],
      ["leading-zero", "007"],
    ] as const) {
      const held = store.get(name, "apps");
      expect(held && isStub(held)).toBe(true);
      expect(held?.metadata).toEqual({
        name,
        namespace: "apps",
        resourceVersion: rv,
      });
    }
    expect(store.get("none", "apps")?.metadata).toEqual({
      name: "none",
      namespace: "apps",
    });
    expect(
      store
        .list("apps")
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["leading-zero", "none", "numeric", "opaque"]);
  });

  it("tells of a stub becoming whole and of a stub's deletion with the stub", () => {
    const store = new Fed();
    const events: string[] = [];
    store.on((e) =>
      events.push(
        `${e.verb} ${isStub(e.object)} ${e.previous ? isStub(e.previous) : "-"}`,
      ),
    );
    store.watched(stubOf(canary("1")));
    store.watched(stubOf(canary("1"))); // same version, still a stub: no change
    store.watched(canary("2")); // now wanted whole
    store.watched(stubOf(canary("1"))); // older than what is held: dropped
    store.watched(stubOf(canary("3")));
    store.deleted(canary("3"));
    expect(events).toEqual([
      "add true -",
      "update false true",
      "update true false",
      "delete true -",
    ]);
    expect(store.get("podinfo", "apps")).toBeUndefined();
  });
});
