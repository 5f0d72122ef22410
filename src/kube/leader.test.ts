// The election rule on a fake clock and an in-memory Lease: a candidate takes over only after it has
// seen no change to the lease for a lease duration of its own time, whatever the holder's clock says.
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import type { V1Lease } from "@kubernetes/client-node";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { KubeApiError } from "./client/errors.ts";
import { LeaderElector } from "./leader.ts";
import type { LeaseStore } from "./lease-store.ts";

/** One Lease with optimistic concurrency, as the API server keeps it. */
class MemoryLease {
  lease: V1Lease | undefined;
  private version = 0;
  /** Writes that took effect, by holder, in order. */
  readonly writes: string[] = [];
  /** While set, every call hangs until its signal aborts (a socket that stopped answering). */
  hang = false;
  /** Signals of calls that were aborted. */
  aborted = 0;

  private call<T>(signal: AbortSignal, answer: () => T): Promise<T> {
    if (!this.hang) return Promise.resolve().then(answer);
    return new Promise((_resolve, reject) => {
      signal.addEventListener("abort", () => {
        this.aborted++;
        reject(new Error("aborted"));
      });
    });
  }

  store: LeaseStore = {
    read: (signal) => this.call(signal, () => structuredClone(this.lease)),
    create: (lease, signal) =>
      this.call(signal, () => this.write(lease, undefined)),
    replace: (lease, signal) =>
      this.call(signal, () =>
        this.write(lease, lease.metadata?.resourceVersion),
      ),
  };

  private write(lease: V1Lease, expected: string | undefined): V1Lease {
    const current = this.lease?.metadata?.resourceVersion;
    if (current !== expected)
      throw new KubeApiError("KUBE_CONFLICT", "conflict", 409, "Conflict");
    this.writes.push(lease.spec?.holderIdentity ?? "");
    this.lease = {
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(++this.version) },
    };
    return structuredClone(this.lease);
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function elector(store: MemoryLease, clock: FakeClock, identity: string) {
  return new LeaderElector({
    store: store.store,
    clock,
    logger: pino({ level: "silent" }),
    namespace: "ns",
    name: "lease",
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2000,
    identity,
    random: () => 0.5,
  });
}

/** Advances both clocks in small steps, letting promises settle between them. */
async function run(ms: number, ...clocks: FakeClock[]) {
  for (let t = 0; t < ms; t += 100) {
    for (const c of clocks) c.advance(100);
    await flush();
  }
}

describe("leader election on locally observed time", () => {
  it.each([
    ["60 s ahead", 60_000],
    ["60 s behind", -60_000],
  ])(
    "a standby whose clock runs %s leaves a renewing leader alone, then takes over within a lease duration of its own",
    async (_name, skew) => {
      const store = new MemoryLease();
      const leaderClock = new FakeClock(1_000_000);
      const standbyClock = new FakeClock(1_000_000 + skew);
      const leader = elector(store, leaderClock, "leader");
      const standby = elector(store, standbyClock, "standby");
      let lost = false;
      await leader.acquire(() => (lost = true));
      let standbyLeads = false;
      void standby.acquire(() => undefined).then(() => (standbyLeads = true));
      await run(45_000, leaderClock, standbyClock); // three lease durations
      expect(store.lease?.spec?.holderIdentity).toBe("leader");
      expect(standbyLeads).toBe(false);
      expect(lost).toBe(false);

      // The leader crashes: its clock no longer moves, so it never renews again.
      let waited = 0;
      while (!standbyLeads && waited < 30_000) {
        await run(100, standbyClock);
        waited += 100;
      }
      expect(store.lease?.spec?.holderIdentity).toBe("standby");
      // Within leaseDuration + two polls (2 s + 10 % jitter each) of the last renewal it saw.
      expect(waited).toBeLessThanOrEqual(15_000 + 2 * 2200 + 200);
      expect(waited).toBeGreaterThanOrEqual(15_000 - 2200);
    },
  );
});

describe("a leader stops at its renew deadline", () => {
  it("when a renewal hangs: the attempt is aborted and onLost called at lastRenew + renewDeadline", async () => {
    const store = new MemoryLease();
    const clock = new FakeClock(1_000_000);
    const leader = elector(store, clock, "leader");
    let lostAt: number | undefined;
    await leader.acquire(() => (lostAt = clock.monotonicMs()));
    await run(6_000, clock);
    expect(leader.isLeader).toBe(true);
    // The last renewal that went through started at the latest now.
    const lastRenew = clock.monotonicMs();
    const writes = store.writes.length;
    store.hang = true;
    await run(20_000, clock);
    expect(lostAt).toBeDefined();
    // Within one step of the deadline (the last renewal before the hang started up to a retry earlier).
    expect(lostAt ?? 0).toBeLessThanOrEqual(lastRenew + 10_000 + 100);
    expect(lostAt ?? 0).toBeGreaterThanOrEqual(lastRenew + 10_000 - 2_200);
    expect(leader.isLeader).toBe(false);
    expect(store.aborted).toBeGreaterThanOrEqual(1);
    // Nothing after: the network comes back and the former leader writes no lease.
    store.hang = false;
    await run(20_000, clock);
    expect(store.writes.length).toBe(writes);
  });

  it("on the steady clock: wall-clock steps neither end a healthy lease nor stretch a dead one", async () => {
    const store = new MemoryLease();
    const clock = new FakeClock(1_000_000);
    const leader = elector(store, clock, "leader");
    let lost = false;
    await leader.acquire(() => (lost = true));
    await run(3_000, clock);
    clock.jumpWall(3_600_000); // an NTP step of an hour forward
    await run(5_000, clock);
    clock.jumpWall(-7_200_000); // and two hours back
    await run(30_000, clock);
    expect(lost).toBe(false);
    expect(store.lease?.spec?.holderIdentity).toBe("leader");
    // A hang after a step back still ends at the deadline, not an hour later.
    store.hang = true;
    clock.jumpWall(-3_600_000);
    const hungAt = clock.monotonicMs();
    while (!lost && clock.monotonicMs() - hungAt < 30_000)
      await run(100, clock);
    expect(lost).toBe(true);
    expect(clock.monotonicMs() - hungAt).toBeLessThanOrEqual(10_100);
  });
});
