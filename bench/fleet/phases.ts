// The timed parts of the benchmark: how fast a release is detected, and whether a busy fleet keeps to
// its schedule (weights read from the RouteTables, phases from the Canaries, both through watches).
import type { KubeApi } from "../../src/kube/api.ts";
import {
  fleetWeights,
  inParallel,
  setImage,
  type FleetMember,
} from "../../dev/fleet.ts";
import { percentile } from "./measure.ts";
import type { FleetObserver } from "./observe.ts";

const keyOf = (m: FleetMember) => `${m.namespace}/${m.name}`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await pause(100);
  }
  return true;
}

export interface DetectionResult {
  releases: number;
  detected: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
}

/** `set image` on each member, spread evenly over `spreadMs`; seconds until each is Progressing. */
export async function detection(
  api: KubeApi,
  observer: FleetObserver,
  members: FleetMember[],
  spreadMs: number,
): Promise<DetectionResult> {
  const released = new Map<string, number>();
  const start = Date.now();
  await Promise.all(
    members.map(async (m, i) => {
      await pause(
        Math.max(0, start + (i * spreadMs) / members.length - Date.now()),
      );
      const at = Date.now();
      await setImage(api, m, "6.0.1");
      released.set(keyOf(m), at);
    }),
  );
  await waitUntil(
    () =>
      members.every((m) =>
        observer.reached(keyOf(m), "Progressing", released.get(keyOf(m)) ?? 0),
      ),
    60_000,
  );
  const latencies = members.flatMap((m) => {
    const at = released.get(keyOf(m)) ?? 0;
    const seen = observer.reached(keyOf(m), "Progressing", at);
    return seen === undefined ? [] : [(seen - at) / 1000];
  });
  return {
    releases: members.length,
    detected: latencies.length,
    p50Seconds: percentile(latencies, 50),
    p99Seconds: percentile(latencies, 99),
    maxSeconds: Math.max(...latencies),
  };
}

export interface BusyResult {
  released: number;
  succeeded: number;
  /** How late each weight step came against the previous one + interval. */
  stepLatenessP50Seconds: number;
  stepLatenessP99Seconds: number;
  stepLatenessMaxSeconds: number;
  steps: number;
  /** Seconds from `set image` to Succeeded, the ideal schedule, and the interval it is counted in. */
  succeededP50Seconds: number;
  succeededMaxSeconds: number;
  idealSeconds: number;
  intervalSeconds: number;
  /** Where a run's time goes: `set image` -> Progressing, -> the last weight step, Promoting -> Succeeded. */
  startP50Seconds: number;
  startMaxSeconds: number;
  analysisP50Seconds: number;
  promotionP50Seconds: number;
  promotionMaxSeconds: number;
}

/**
 * The schedule of one fleet run, as the issue counts it ("the schedule allows ~70 s"): an interval per
 * weight step (10 ... 50), the interval at maxWeight whose checks decide the promotion, and one
 * interval for the primary to roll out and take the traffic back.
 */
export const idealRunSeconds = (intervalMs: number): number =>
  ((fleetWeights.length + 2) * intervalMs) / 1000;

/** All members released at once; their runs measured against the ideal schedule. */
export async function busyFleet(
  api: KubeApi,
  observer: FleetObserver,
  members: FleetMember[],
  intervalMs: number,
  /** Filled with each member's release time (namespace/name -> ms). */
  released = new Map<string, number>(),
): Promise<BusyResult> {
  await inParallel(members, 64, async (m) => {
    released.set(keyOf(m), Date.now());
    await setImage(api, m, "6.0.1");
  });
  const done = (m: FleetMember) =>
    observer.reached(keyOf(m), "Succeeded", released.get(keyOf(m)) ?? 0) !==
      undefined ||
    observer.reached(keyOf(m), "Failed", released.get(keyOf(m)) ?? 0) !==
      undefined;
  await waitUntil(() => members.every(done), 20 * 60_000);
  const lateness: number[] = [];
  const durations: number[] = [];
  const starts: number[] = [];
  const analyses: number[] = [];
  const promotions: number[] = [];
  const lastWeight = fleetWeights.at(-1);
  for (const m of members) {
    const since = released.get(keyOf(m)) ?? 0;
    const start = observer.reached(keyOf(m), "Progressing", since);
    const succeeded = observer.reached(keyOf(m), "Succeeded", since);
    const promoting = observer.reached(keyOf(m), "Promoting", since);
    const analysed = observer.weights
      .get(keyOf(m))
      ?.find((w) => w.value === lastWeight && w.at >= since)?.at;
    if (start !== undefined) starts.push((start - since) / 1000);
    if (succeeded !== undefined) durations.push((succeeded - since) / 1000);
    if (analysed !== undefined) analyses.push((analysed - since) / 1000);
    if (promoting !== undefined && succeeded !== undefined)
      promotions.push((succeeded - promoting) / 1000);
    if (start === undefined) continue;
    let previous = start;
    for (const weight of fleetWeights) {
      const at = observer.weights
        .get(keyOf(m))
        ?.find((w) => w.value === weight && w.at >= since)?.at;
      if (at === undefined) break;
      lateness.push((at - previous - intervalMs) / 1000);
      previous = at;
    }
  }
  return {
    released: members.length,
    succeeded: durations.length,
    steps: lateness.length,
    stepLatenessP50Seconds: percentile(lateness, 50),
    stepLatenessP99Seconds: percentile(lateness, 99),
    stepLatenessMaxSeconds: Math.max(...lateness),
    succeededP50Seconds: percentile(durations, 50),
    succeededMaxSeconds: Math.max(...durations),
    idealSeconds: idealRunSeconds(intervalMs),
    intervalSeconds: intervalMs / 1000,
    startP50Seconds: percentile(starts, 50),
    startMaxSeconds: Math.max(...starts),
    analysisP50Seconds: percentile(analyses, 50),
    promotionP50Seconds: percentile(promotions, 50),
    promotionMaxSeconds: Math.max(...promotions),
  };
}
