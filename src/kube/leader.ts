// Leader election through a coordination.k8s.io Lease, with client-go's rules for time:
// - A candidate never compares the holder's renewTime (the holder's clock) with its own clock. It records
//   when it last *saw* the lease record change, on its own steady clock, and takes over only after
//   leaseDuration of its own time without a change. A standby whose wall clock runs ahead cannot steal
//   a healthy lease, and one whose clock runs behind does not wait too long.
// - A leader stops leading the moment renewDeadline has passed since the start of its last successful
//   renewal, measured on the steady clock: a timer fires at the deadline whatever the attempt in flight
//   is doing, aborts it, and calls onLost (the caller exits, as controller-runtime does). Every attempt
//   carries an abort signal, so a socket that hangs or a slow API server cannot stretch it.
// - Lease calls go through a LeaseStore with a client of their own (see lease-store.ts).
// Writes carry the resourceVersion, so two candidates can never both win; retries are jittered.
// release() hands the lease over on shutdown.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { V1Lease } from "@kubernetes/client-node";
import type { Logger } from "../telemetry/logger.ts";
import { backoffDelay, sleep, type BackoffPolicy } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { statusCodeOf } from "./client/errors.ts";
import type { LeaseStore } from "./lease-store.ts";

export interface LeaderElectionOptions {
  store: LeaseStore;
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

/** An identity that names the process: host (the pod name in a cluster), pid and a random part. */
export function newIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly o: LeaderElectionOptions;
  private readonly retry: BackoffPolicy;
  private leading = false;
  private stopped = false;
  private readonly stop = new AbortController();
  /** The attempt in flight; aborted at the renew deadline or on release. */
  private attempt: AbortController | undefined;
  private cancelDeadline: (() => void) | undefined;
  private onLost: (() => void) | undefined;
  /** The last record seen, and when (steady clock) it was first seen. */
  private observedRecord = "";
  private observedAt = 0;

  constructor(options: LeaderElectionOptions) {
    this.o = options;
    this.identity = options.identity ?? newIdentity();
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

  /** Resolves once this process leads; then keeps renewing and calls onLost if it cannot in time. */
  async acquire(onLost: () => void): Promise<void> {
    const log = this.o.logger;
    this.onLost = onLost;
    log.info(
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.identity },
      "waiting for leadership",
    );
    while (!this.stopped) {
      const started = this.o.clock.monotonicMs();
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.armDeadline(started);
        log.info({ identity: this.identity }, "became leader");
        void this.renewLoop();
        return;
      }
      await this.pause();
    }
  }

  /** Gives the lease up (graceful shutdown), so another replica takes over without waiting for expiry. */
  async release(): Promise<void> {
    this.stopped = true;
    this.stop.abort();
    this.attempt?.abort();
    this.cancelDeadline?.();
    if (!this.leading) return;
    this.leading = false;
    const signal = this.timeout(this.o.renewDeadlineMs);
    try {
      const lease = await this.o.store.read(signal);
      if (lease?.spec?.holderIdentity !== this.identity) return;
      await this.o.store.replace(
        {
          ...lease,
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          spec: {
            ...lease.spec,
            holderIdentity: undefined,
            leaseDurationSeconds: 1,
            renewTime: microTime(this.o.clock.now()) as never,
          },
        } as V1Lease,
        signal,
      );
      this.o.logger.info("leadership released");
    } catch (error) {
      this.o.logger.warn(
        { err: errorMessage(error) },
        "could not release the lease; it expires on its own",
      );
    }
  }

  /** A signal that aborts after `ms` of the injected clock. */
  private timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    this.o.clock.setTimer(ms, () =>
      controller.abort(new Error(`no answer within ${ms} ms`)),
    );
    return controller.signal;
  }

  private pause(): Promise<void> {
    return sleep(
      this.o.clock,
      backoffDelay(1, this.retry, this.o.random),
      this.stop.signal,
    );
  }

  /** Leadership ends renewDeadline after `renewStartedAt` unless a later renewal moves it. */
  private armDeadline(renewStartedAt: number): void {
    this.cancelDeadline?.();
    const left =
      renewStartedAt + this.o.renewDeadlineMs - this.o.clock.monotonicMs();
    this.cancelDeadline = this.o.clock.setTimer(Math.max(0, left), () =>
      this.lose(),
    );
  }

  private lose(): void {
    if (!this.leading || this.stopped) return;
    this.leading = false;
    this.stopped = true;
    this.stop.abort();
    this.attempt?.abort(new Error("renew deadline passed"));
    this.o.logger.error(
      { identity: this.identity, renewDeadlineMs: this.o.renewDeadlineMs },
      "leadership lost: the lease could not be renewed in time",
    );
    this.onLost?.();
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopped) {
      await this.pause();
      if (this.stopped) return;
      const started = this.o.clock.monotonicMs();
      const ok = await this.tryAcquireOrRenew();
      // A renewal counts from when it started: the lease's renewTime cannot be later than that.
      if (ok && this.leading) this.armDeadline(started);
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

  /** One attempt, bounded by the renew deadline: create the lease, renew ours, or take over a stale one. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const attempt = new AbortController();
    this.attempt = attempt;
    const cancel = this.o.clock.setTimer(this.o.renewDeadlineMs, () =>
      attempt.abort(new Error("attempt took longer than the renew deadline")),
    );
    const signal = attempt.signal;
    const now = this.o.clock.now();
    const steadyNow = this.o.clock.monotonicMs();
    try {
      const lease = await this.o.store.read(signal);
      if (!lease) {
        const created = await this.o.store.create(this.desired(now), signal);
        this.observe(created, steadyNow);
        return true;
      }
      const record = recordOf(lease);
      if (record !== this.observedRecord) this.observe(lease, steadyNow);
      const holder = lease.spec?.holderIdentity;
      // The holder's own duration, as client-go uses it; a released lease says 1 s.
      const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
      const heldByOther =
        !!holder &&
        holder !== this.identity &&
        this.observedAt + durationMs > steadyNow;
      if (heldByOther) return false;
      // Our own lease, but the deadline passed while we read it: do not write as a leader any more.
      if (holder === this.identity && this.stopped) return false;
      const updated = await this.o.store.replace(
        this.desired(now, lease),
        signal,
      );
      this.observe(updated, steadyNow);
      return true;
    } catch (error) {
      // 409: another candidate wrote first; anything else: the API server is unreachable for now.
      if (statusCodeOf(error) !== 409 && !this.stopped)
        this.o.logger.warn({ err: errorMessage(error) }, "lease update failed");
      return false;
    } finally {
      cancel();
      if (this.attempt === attempt) this.attempt = undefined;
    }
  }

  private observe(lease: V1Lease, at: number): void {
    this.observedRecord = recordOf(lease);
    this.observedAt = at;
  }
}
