// Bounded concurrency per key (a metrics provider's address, a webhook's origin), shared fairly between
// the Canaries that use it. Each key has `limit` slots; one Canary (the owner) holds at most `perOwner`
// of them at once, and when a slot frees it goes to the waiting owner served longest ago (one never
// served first), whatever order the calls came in. So a tenant with slow hooks or fifty metrics gets its share and waits for the
// rest, and every other tenant still finds a slot: before, calls queued first come first served, and
// one Canary with more calls than slots held every slot of a provider for as long as its calls took.

interface Key {
  used: number;
  byOwner: Map<string, number>;
  /** Owners with calls waiting; each owner's calls in arrival order. */
  waiting: Map<string, (() => void)[]>;
  /** When each owner last got a slot (a counter), for the turns. */
  served: Map<string, number>;
  turn: number;
}

export class FairSlots {
  private readonly limit: number;
  private readonly perOwner: number;
  private readonly keys = new Map<string, Key>();

  /** `perOwner` defaults to a quarter of the slots (at least one). */
  constructor(limit: number, perOwner = Math.max(1, Math.floor(limit / 4))) {
    this.limit = limit;
    this.perOwner = Math.min(perOwner, limit);
  }

  async run<T>(key: string, owner: string, work: () => Promise<T>): Promise<T> {
    let k = this.keys.get(key);
    if (!k) {
      k = {
        used: 0,
        byOwner: new Map(),
        waiting: new Map(),
        served: new Map(),
        turn: 0,
      };
      this.keys.set(key, k);
    }
    const slot = k;
    if (this.free(slot, owner) && !slot.waiting.has(owner))
      this.take(slot, owner);
    else
      await new Promise<void>((resolve) => {
        const queue = slot.waiting.get(owner) ?? [];
        queue.push(resolve);
        slot.waiting.set(owner, queue);
      });
    try {
      return await work();
    } finally {
      this.release(key, slot, owner);
    }
  }

  /** Calls running and waiting for a key, for tests and metrics. */
  state(key: string): { running: number; waiting: number } {
    const k = this.keys.get(key);
    let waiting = 0;
    for (const q of k?.waiting.values() ?? []) waiting += q.length;
    return { running: k?.used ?? 0, waiting };
  }

  private free(k: Key, owner: string): boolean {
    return k.used < this.limit && (k.byOwner.get(owner) ?? 0) < this.perOwner;
  }

  private take(k: Key, owner: string): void {
    k.used++;
    k.byOwner.set(owner, (k.byOwner.get(owner) ?? 0) + 1);
    k.served.set(owner, ++k.turn);
  }

  private release(key: string, k: Key, owner: string): void {
    k.used--;
    const held = (k.byOwner.get(owner) ?? 1) - 1;
    if (held > 0) k.byOwner.set(owner, held);
    else k.byOwner.delete(owner);
    // Free slots go to the waiting owners that may take one, served longest ago first.
    while (k.used < this.limit) {
      let next: string | undefined;
      for (const candidate of k.waiting.keys())
        if (
          this.free(k, candidate) &&
          (next === undefined ||
            (k.served.get(candidate) ?? 0) < (k.served.get(next) ?? 0))
        )
          next = candidate;
      if (next === undefined) break;
      const queue = k.waiting.get(next) ?? [];
      const resolve = queue.shift();
      if (queue.length === 0) k.waiting.delete(next);
      if (!resolve) continue;
      this.take(k, next);
      resolve();
    }
    if (k.used === 0 && k.waiting.size === 0) this.keys.delete(key);
  }
}
