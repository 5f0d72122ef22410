// Leader election through a coordination.k8s.io Lease, with client-go's rule for time: a candidate never
// compares the holder's renewTime (the holder's clock) with its own clock. It records when it last *saw*
// the lease record change, by its own clock, and takes over only after leaseDuration of its own time
// without a change. So a standby whose clock runs ahead cannot steal a healthy lease, and one whose
// clock runs behind does not wait too long. Writes carry the resourceVersion, so two candidates can
// never both win; retries are jittered. A leader that cannot renew within the renew deadline stops
// leading (the caller exits, as controller-runtime does); release() hands the lease over on shutdown.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { V1Lease } from "@kubernetes/client-node";
import type { Logger } from "../telemetry/logger.ts";
import { backoffDelay, sleep, type BackoffPolicy } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { KubeApi } from "./api.ts";
import { statusCodeOf } from "./client/errors.ts";

export interface LeaderElectionOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  clock: Clock;
  logger: Logger;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity?: string;
  random?: () => number;
}

/** Lease times are MicroTime: the API server wants six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** What identifies a lease record's version, as client-go compares it. */
const recordOf = (lease: V1Lease | undefined): string =>
  JSON.stringify([
    lease?.spec?.holderIdentity,
    lease?.spec?.renewTime,
    lease?.spec?.acquireTime,
    lease?.spec?.leaseTransitions,
    lease?.spec?.leaseDurationSeconds,
  ]);

export class LeaderElector {
  readonly identity: string;
  private readonly o: LeaderElectionOptions;
  private readonly retry: BackoffPolicy;
  private leading = false;
  private stopped = false;
  private readonly stop = new AbortController();
  /** The last record seen, and when (by this process's clock) it was first seen. */
  private observedRecord = "";
  private observedAt = 0;
  private lastRenew = 0;

  constructor(options: LeaderElectionOptions) {
    this.o = options;
    this.identity =
      options.identity ??
      `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
    // Each wait is the retry period plus up to 20 % (client-go allows up to 120 %): candidates do not
    // poll in step, and a takeover stays within leaseDuration + retryPeriod + a little.
    this.retry = {
      baseMs: options.retryPeriodMs,
      maxMs: options.retryPeriodMs * 1.2,
      factor: 1,
      jitter: 0.2,
    };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this process leads; then keeps renewing and calls onLost if it cannot. */
  async acquire(onLost: () => void): Promise<void> {
    const log = this.o.logger;
    log.info(
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.identity },
      "waiting for leadership",
    );
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        log.info({ identity: this.identity }, "became leader");
        void this.renewLoop(onLost);
        return;
      }
      await this.pause();
    }
  }

  /** Gives the lease up (graceful shutdown), so another replica takes over without waiting for expiry. */
  async release(): Promise<void> {
    this.stopped = true;
    this.stop.abort();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.identity) return;
      await this.o.api.replace({
        ...lease,
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        spec: {
          ...lease.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: microTime(this.o.clock.now()) as never,
        },
      } as never);
      this.o.logger.info("leadership released");
    } catch (error) {
      this.o.logger.warn(
        { err: errorMessage(error) },
        "could not release the lease; it expires on its own",
      );
    }
  }

  private pause(): Promise<void> {
    return sleep(
      this.o.clock,
      backoffDelay(1, this.retry, this.o.random),
      this.stop.signal,
    );
  }

  private async renewLoop(onLost: () => void): Promise<void> {
    while (!this.stopped) {
      await this.pause();
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      const now = this.o.clock.now().getTime();
      if (!ok && now - this.lastRenew > this.o.renewDeadlineMs) {
        this.leading = false;
        this.o.logger.error(
          { identity: this.identity },
          "leadership lost: the lease could not be renewed in time",
        );
        onLost();
        return;
      }
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.o.api.get<V1Lease>({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace: this.o.namespace,
        name: this.o.name,
      });
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    }
  }

  private desired(now: Date, previous?: V1Lease): V1Lease {
    const takeover = previous?.spec?.holderIdentity !== this.identity;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        ...(previous?.metadata?.resourceVersion
          ? { resourceVersion: previous.metadata.resourceVersion }
          : {}),
      },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        acquireTime: (takeover
          ? microTime(now)
          : (previous?.spec?.acquireTime ?? microTime(now))) as never,
        renewTime: microTime(now) as never,
        leaseTransitions:
          (previous?.spec?.leaseTransitions ?? 0) +
          (takeover && previous ? 1 : 0),
      },
    };
  }

  /** One attempt: create the lease, renew our own, or take over one unchanged for a lease duration. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock.now();
    try {
      const lease = await this.read();
      if (!lease) {
        const created = await this.o.api.create(this.desired(now) as never);
        this.observe(created as V1Lease, now);
        this.lastRenew = now.getTime();
        return true;
      }
      const record = recordOf(lease);
      if (record !== this.observedRecord) this.observe(lease, now);
      const holder = lease.spec?.holderIdentity;
      // The holder's own duration, as client-go uses it; a released lease says 1 s.
      const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
      const heldByOther =
        !!holder &&
        holder !== this.identity &&
        this.observedAt + durationMs > now.getTime();
      if (heldByOther) return false;
      const updated = await this.o.api.replace(
        this.desired(now, lease) as never,
      );
      this.observe(updated as V1Lease, now);
      this.lastRenew = now.getTime();
      return true;
    } catch (error) {
      // 409: another candidate wrote first; anything else: the API server is unreachable for now.
      if (statusCodeOf(error) !== 409)
        this.o.logger.warn({ err: errorMessage(error) }, "lease update failed");
      return false;
    }
  }

  private observe(lease: V1Lease, at: Date): void {
    this.observedRecord = recordOf(lease);
    this.observedAt = at.getTime();
  }
}
