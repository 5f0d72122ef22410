// Watches what a user would watch (the Canary's status and the RouteTableLike) while the demo runs, prints
// live progress, and measures: the traffic split per step from the gateway's own counters, and the
// metric values the operator judged against the gateway's traffic and Prometheus.
import { pino } from "pino";
import type { Canary, CheckResult } from "../src/api/canary.ts";
import {
  gatewayRouteWeights,
  routeWeights,
  type GatewayRouteLike,
  type RouteTableLike,
} from "../dev/route-weights.ts";
import { KubeClient } from "../src/kube/client/http.ts";
import { loadClusterAccess } from "../src/kube/client/kubeconfig.ts";
import { Reflector, type StoredObject } from "../src/kube/reflector.ts";
import { systemClock } from "../src/util/clock.ts";

export interface StepRecord {
  run: string;
  canaryWeight: number;
  seconds: number;
  /** Requests the gateway sent to the primary and the canary upstream during the step. */
  primary: number;
  canary: number;
}

export interface CheckRecord {
  run: string;
  at: number;
  canaryWeight: number;
  checks: CheckResult[];
  /** The canary's success rate over the metric window from the gateway's counters, in percent. */
  gatewaySuccessRate?: number;
  /** The operator's success-rate query asked again of Prometheus when the check was seen. */
  prometheusSuccessRate?: number;
}

/** What the demo's gateway simulators count: requests and errors per Envoy cluster. */
export interface CountingGateway {
  totals(): Record<string, { total: number; errors: number }>;
}

interface Snapshot {
  at: number;
  totals: ReturnType<CountingGateway["totals"]>;
}

/** Where the demo reads the weights: Gloo's RouteTable, Gateway API's HTTPRoute, or both. */
export type RouteSource = "RouteTable" | "HTTPRoute";

export class Observer {
  readonly steps: StepRecord[] = [];
  readonly checks: CheckRecord[] = [];
  readonly phases: { run: string; phase: string; at: number }[] = [];
  readonly weights: Record<string, number[]> = {};
  run = "setup";
  /** Gateway counts for the canary upstream during each run (a release). */
  readonly runs: Record<
    string,
    { canaryRequests: number; canaryErrors: number }
  > = {};
  private runStart: Snapshot | undefined;
  private readonly snapshots: Snapshot[] = [];
  private stepStart: Snapshot | undefined;
  private stepWeight = 0;
  /** The canary weight each route object carries, as last seen. */
  private readonly routed = new Map<RouteSource, number>();
  private lastStepTime = "";
  private status: Canary["status"] = {};
  private timer: NodeJS.Timeout | undefined;
  private readonly reflectors: Reflector<StoredObject>[] = [];
  private client: KubeClient | undefined;
  private readonly started = Date.now();
  private readonly o: {
    /** Path of the cluster's kubeconfig. */
    kubeconfig: string;
    namespace: string;
    gateway: CountingGateway;
    prometheus: string;
    /** The Envoy clusters of the canary and of the primary, one per gateway (summed). */
    canaryClusters: string[];
    primaryClusters: string[];
    routes: RouteSource[];
    metricWindowMs: number;
    print: (line: string) => void;
  };

  constructor(options: Observer["o"]) {
    this.o = options;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.snapshot(), 250);
    this.snapshot();
    // The operator's own list-watch (resumed and re-listed when a watch ends), so no change is missed.
    const client = new KubeClient(
      loadClusterAccess({ kubeconfig: this.o.kubeconfig }),
    );
    this.client = client;
    const ns = this.o.namespace;
    const watch = (path: string, on: (object: StoredObject) => void) => {
      const reflector = new Reflector<StoredObject>({
        client,
        clock: systemClock,
        logger: pino({ level: "silent" }),
        path,
        fieldSelector: "metadata.name=podinfo",
      });
      reflector.on(({ verb, object }) => {
        if (verb !== "delete") on(object);
      });
      this.reflectors.push(reflector);
      return reflector.start();
    };
    const paths: Record<RouteSource, string> = {
      RouteTable: `/apis/gateway.solo.io/v1/namespaces/${ns}/routetables`,
      HTTPRoute: `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`,
    };
    await Promise.all([
      watch(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries`, (c) =>
        this.onCanary(c as unknown as Canary),
      ),
      ...this.o.routes.map((source) =>
        watch(paths[source], (route) =>
          this.onRoute(
            source,
            source === "RouteTable"
              ? routeWeights(route as unknown as RouteTableLike)[1]
              : gatewayRouteWeights(route as unknown as GatewayRouteLike)[1],
          ),
        ),
      ),
    ]);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const r of this.reflectors) void r.stop();
    this.client?.close();
    this.closeStep();
    this.closeRun();
  }

  private closeRun(): void {
    const start = this.runStart;
    if (!start) return;
    const end = this.snapshot();
    this.runs[this.run] = {
      canaryRequests: sum(this.o.canaryClusters, end, start, "total"),
      canaryErrors: sum(this.o.canaryClusters, end, start, "errors"),
    };
    this.runStart = undefined;
  }

  get phase(): string | undefined {
    return this.status?.phase;
  }

  /** The canary's weight in the routes, as last seen (the largest, when there are two gateways). */
  get routedWeight(): number {
    return Math.max(0, ...this.routed.values());
  }

  get message(): string {
    return this.status?.message ?? "";
  }

  /** Starts a new named run (a release); steps and checks are attributed to it. */
  begin(run: string): void {
    this.closeStep();
    this.closeRun();
    this.run = run;
    this.runStart = this.snapshot();
    this.weights[run] = [this.stepWeight];
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)}s`;
  }

  private snapshot(): Snapshot {
    const s = { at: Date.now(), totals: this.o.gateway.totals() };
    this.snapshots.push(s);
    return s;
  }

  private onRoute(source: RouteSource, canary: number): void {
    const before = this.routed.get(source);
    this.routed.set(source, canary);
    // Two gateways: say what each carries once they both have moved (read from their own objects).
    const all = [...this.routed.values()];
    if (
      this.o.routes.length > 1 &&
      before !== canary &&
      all.length === this.o.routes.length &&
      all.every((w) => w === canary)
    )
      this.o.print(
        `${this.elapsed()}    both gateways carry ${canary}%: ${[...this.routed.entries()].map(([s, w]) => `${s === "RouteTable" ? "Gloo RouteTable" : "kgateway HTTPRoute"} ${w}%`).join(", ")}`,
      );
    // A step starts when the first gateway moves; the second follows within the same reconcile.
    if (canary === this.stepWeight && this.stepStart) return;
    this.closeStep();
    this.stepWeight = canary;
    this.stepStart = this.snapshot();
    // The routes may be seen for the first time just after a run began, at the weight it began with.
    const weights = (this.weights[this.run] ??= []);
    if (weights.at(-1) !== canary) weights.push(canary);
  }

  private closeStep(): void {
    const start = this.stepStart;
    if (!start) return;
    const end = this.snapshot();
    this.steps.push({
      run: this.run,
      canaryWeight: this.stepWeight,
      seconds: (end.at - start.at) / 1000,
      primary: sum(this.o.primaryClusters, end, start, "total"),
      canary: sum(this.o.canaryClusters, end, start, "total"),
    });
    this.stepStart = undefined;
  }

  private onCanary(c: Canary): void {
    const before = this.status ?? {};
    const now = c.status ?? {};
    this.status = now;
    if (now.phase && now.phase !== before.phase)
      this.phases.push({ run: this.run, phase: now.phase, at: Date.now() });
    const stepped = now.lastStepTime && now.lastStepTime !== this.lastStepTime;
    if (stepped) this.lastStepTime = now.lastStepTime ?? "";
    if (stepped && now.lastChecks?.length) void this.recordChecks(now);
    if (
      now.phase !== before.phase ||
      now.canaryWeight !== before.canaryWeight ||
      stepped
    ) {
      const checks = (now.lastChecks ?? [])
        .map(
          (k) =>
            `${k.metric} ${k.value === undefined ? k.verdict : k.value.toFixed(k.value % 1 ? 2 : 0)} (${k.threshold})`,
        )
        .join(", ");
      this.o.print(
        `${this.elapsed()}  ${(now.phase ?? "").padEnd(16)} weight ${String(now.canaryWeight ?? 0).padStart(3)}%  failed checks ${now.failedChecks ?? 0}${checks ? `  ${checks}` : ""}`,
      );
    }
  }

  private async recordChecks(
    status: NonNullable<Canary["status"]>,
  ): Promise<void> {
    const at = Date.now();
    const record: CheckRecord = {
      run: this.run,
      at,
      canaryWeight: status.canaryWeight ?? 0,
      checks: status.lastChecks ?? [],
    };
    const from =
      [...this.snapshots]
        .reverse()
        .find((s) => s.at <= at - this.o.metricWindowMs) ?? this.snapshots[0];
    const to = this.snapshot();
    const total = from ? sum(this.o.canaryClusters, to, from, "total") : 0;
    const errors = from ? sum(this.o.canaryClusters, to, from, "errors") : 0;
    if (total > 0) record.gatewaySuccessRate = ((total - errors) / total) * 100;
    const query = record.checks.find(
      (k) => k.metric === "request-success-rate",
    )?.query;
    if (query) {
      try {
        const url = `${this.o.prometheus}/api/v1/query?query=${encodeURIComponent(query)}`;
        const body = (await (await fetch(url)).json()) as {
          data?: { result?: { value?: [number, string] }[] };
        };
        const value = Number(body.data?.result?.[0]?.value?.[1]);
        if (Number.isFinite(value)) record.prometheusSuccessRate = value;
      } catch {
        // Prometheus gone (shutdown): the record keeps what it has.
      }
    }
    this.checks.push(record);
  }
}

/** Requests (or errors) counted for some clusters between two snapshots. */
function sum(
  clusters: string[],
  end: Snapshot,
  start: Snapshot,
  what: "total" | "errors",
): number {
  return clusters.reduce(
    (n, c) => n + (end.totals[c]?.[what] ?? 0) - (start.totals[c]?.[what] ?? 0),
    0,
  );
}
