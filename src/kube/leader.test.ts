// The election rule on a fake clock and an in-memory Lease: a candidate takes over only after it has
// seen no change to the lease for a lease duration of its own time, whatever the holder's clock says.
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import type { V1Lease } from "@kubernetes/client-node";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import type { KubeApi } from "./api.ts";
import { KubeApiError } from "./client/errors.ts";
import { LeaderElector } from "./leader.ts";

/** One Lease with optimistic concurrency, as the API server keeps it. */
class LeaseStore {
  lease: V1Lease | undefined;
  private version = 0;
  api = {
    get: async () => {
      if (!this.lease)
        throw new KubeApiError("NOT_FOUND", "not found", 404, "NotFound");
      return structuredClone(this.lease);
    },
    create: async (lease: V1Lease) => this.write(lease, undefined),
    replace: async (lease: V1Lease) =>
      this.write(lease, lease.metadata?.resourceVersion),
  } as unknown as KubeApi;

  private write(lease: V1Lease, expected: string | undefined): V1Lease {
    const current = this.lease?.metadata?.resourceVersion;
    if (current !== expected)
      throw new KubeApiError("KUBE_CONFLICT", "conflict", 409, "Conflict");
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

function elector(store: LeaseStore, clock: FakeClock, identity: string) {
  return new LeaderElector({
    api: store.api,
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
      const store = new LeaseStore();
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
