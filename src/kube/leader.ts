// Leader election through a coordination.k8s.io Lease, as client-go's leaderelection does: the holder
// renews the lease every retry period; others take it over once it has not been renewed for the lease
// duration. Writes go through resourceVersion, so two candidates can never both win. A leader that
// cannot renew within the renew deadline stops leading (the caller exits, as controller-runtime does);
// release() hands the lease over at once on a graceful shutdown.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import {
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  clock: Clock;
  logger: Logger;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity?: string;
}

const statusOf = (error: unknown) => (error as { code?: number }).code;

/**
 * Lease times are MicroTime: the API server wants six fractional digits. The client passes strings
 * through untouched (a Date would go out with three digits and be refused), hence the cast.
 */
function microTime(date: Date): Date {
  return date
    .toISOString()
    .replace(/\.(\d{3})Z$/, ".$1000Z") as unknown as Date;
}

export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly o: LeaderElectionOptions;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer: (() => void) | undefined;

  constructor(options: LeaderElectionOptions) {
    this.o = options;
    this.api = options.kc.makeApiClient(CoordinationV1Api);
    this.identity =
      options.identity ??
      `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
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
        this.scheduleRenew(onLost);
        return;
      }
      await new Promise((resolve) =>
        this.o.clock.setTimer(this.o.retryPeriodMs, () => resolve(undefined)),
      );
    }
  }

  /** Gives the lease up (graceful shutdown), so another replica takes over without waiting for expiry. */
  async release(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
      });
      if (lease.spec?.holderIdentity !== this.identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      };
      await this.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: lease,
      });
      this.o.logger.info("leadership released");
    } catch (error) {
      this.o.logger.warn(
        { err: errorMessage(error) },
        "could not release the lease; it expires on its own",
      );
    }
  }

  private scheduleRenew(onLost: () => void): void {
    this.timer = this.o.clock.setTimer(this.o.retryPeriodMs, () => {
      void this.tryAcquireOrRenew().then((ok) => {
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
        this.scheduleRenew(onLost);
      });
    });
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
        acquireTime: takeover
          ? microTime(now)
          : (previous?.spec?.acquireTime ?? microTime(now)),
        renewTime: microTime(now),
        leaseTransitions:
          (previous?.spec?.leaseTransitions ?? 0) +
          (takeover && previous ? 1 : 0),
      },
    };
  }

  /** One attempt: create the lease, renew our own, or take over an expired one. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.clock.now();
    const { name, namespace } = this.o;
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace,
          body: this.desired(now),
        });
      } else {
        const holder = lease.spec?.holderIdentity;
        const renewed = new Date(lease.spec?.renewTime ?? 0).getTime();
        const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
        const held =
          holder &&
          holder !== this.identity &&
          renewed + durationMs > now.getTime();
        if (held) return false;
        await this.api.replaceNamespacedLease({
          name,
          namespace,
          body: this.desired(now, lease),
        });
      }
      this.lastRenew = now.getTime();
      return true;
    } catch (error) {
      // 409: another candidate wrote first; anything else: the API server is unreachable for now.
      if (statusOf(error) !== 409)
        this.o.logger.warn({ err: errorMessage(error) }, "lease update failed");
      return false;
    }
  }
}
