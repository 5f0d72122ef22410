import { describe, expect, it } from "vitest";
import { ObjectStore, type StoredObject, type StoreEvent } from "./store.ts";

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
