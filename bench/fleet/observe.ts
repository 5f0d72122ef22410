// What the benchmark sees of the fleet, as a user would, through watches: each Canary's phases and each
// RouteTable's canary weight, with the time they arrived.
import { pino } from "pino";
import type { KubeClient } from "../../src/kube/client/http.ts";
import { Reflector, type StoredObject } from "../../src/kube/reflector.ts";
import { systemClock } from "../../src/util/clock.ts";
import { routeWeights, type RouteTableLike } from "../../dev/route-weights.ts";

export interface Stamped<T> {
  value: T;
  at: number;
}

type CanaryObject = StoredObject & { status?: { phase?: string } };
type RouteTableObject = StoredObject & RouteTableLike;

const key = (o: StoredObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

const canaryWeight = (table: RouteTableObject): number =>
  routeWeights(table)[1];

export class FleetObserver {
  readonly phases = new Map<string, Stamped<string>[]>();
  readonly weights = new Map<string, Stamped<number>[]>();
  private readonly canaries: Reflector<CanaryObject>;
  private readonly tables: Reflector<RouteTableObject>;

  constructor(client: KubeClient) {
    const base = {
      client,
      clock: systemClock,
      logger: pino({ level: "silent" }),
    };
    this.canaries = new Reflector<CanaryObject>({
      ...base,
      path: "/apis/flagger.app/v1beta1/canaries",
    });
    this.tables = new Reflector<RouteTableObject>({
      ...base,
      path: "/apis/gateway.solo.io/v1/routetables",
    });
    this.canaries.on(({ object, verb }) => {
      if (verb === "delete") return;
      record(this.phases, key(object), object.status?.phase);
    });
    this.tables.on(({ object, verb }) => {
      if (verb === "delete") return;
      record(this.weights, key(object), canaryWeight(object));
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.canaries.start(), this.tables.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.canaries.stop(), this.tables.stop()]);
  }

  phaseOf(k: string): string | undefined {
    return this.phases.get(k)?.at(-1)?.value;
  }

  countInPhase(phase: string, keys?: string[]): number {
    const all = keys ?? [...this.phases.keys()];
    return all.filter((k) => this.phaseOf(k) === phase).length;
  }

  /** When `k` first reached `phase` at or after `since`. */
  reached(k: string, phase: string, since: number): number | undefined {
    return this.phases.get(k)?.find((p) => p.value === phase && p.at >= since)
      ?.at;
  }
}

function record<T>(
  into: Map<string, Stamped<T>[]>,
  k: string,
  value: T | undefined,
): void {
  if (value === undefined) return;
  let list = into.get(k);
  if (!list) into.set(k, (list = []));
  if (list.at(-1)?.value !== value) list.push({ value, at: Date.now() });
}
