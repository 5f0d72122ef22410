// A Map with a size bound: reading or writing a key makes it the newest, and past the bound the least
// recently used key goes. For caches keyed by input from outside (namespaces in URL paths, sources of
// logins), whose number must not grow with what a client sends.
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
