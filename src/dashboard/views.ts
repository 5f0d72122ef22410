// What the dashboard shows of a Canary, built from the operator's caches (never a per-viewer API call):
// a summary row for the list and, for the canary page, the run history and the event timeline.
import type { Canary, CanaryStatus } from "../api/canary.ts";

export interface CanaryEvent {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
}

export interface CanarySummary {
  namespace: string;
  name: string;
  phase: string;
  weight: number;
  /** The weight at which the run promotes (100 for blue/green and A/B). */
  maxWeight: number;
  failedChecks: number;
  threshold?: number;
  pausedBy?: string;
  lastChecks: { metric: string; verdict: string; value?: number }[];
  /** When the Canary entered its phase. */
  phaseSince?: string;
  message?: string;
  /** With several routers: the canary weight each gateway carries. */
  gateways?: { router: string; canaryWeight?: number }[];
}

export interface TimelineEntry {
  at: string;
  type: string;
  reason: string;
  message: string;
}

export interface CanaryDetail extends CanarySummary {
  history: NonNullable<CanaryStatus["history"]>;
  lastRequest?: CanaryStatus["lastRequest"];
  events: TimelineEntry[];
}

/** Events kept per canary page: the newest ones. */
export const timelineLength = 50;

/**
 * When the Canary entered its phase. lastTransitionTime also moves with each weight step (Flagger's
 * meaning), so a run in progress counts from the start of its revision instead.
 */
function phaseSince(s: CanaryStatus): string | undefined {
  const running = s.phase === "Progressing" || s.phase === "WaitingPromotion";
  return running
    ? (s.canaryRevisionStart ?? s.lastTransitionTime)
    : s.lastTransitionTime;
}

export function summaryOf(canary: Canary): CanarySummary {
  const s = canary.status ?? {};
  const analysis = canary.spec?.analysis ?? {};
  const steps = analysis.stepWeights ?? [];
  const maxWeight = analysis.iterations
    ? 100
    : (analysis.maxWeight ?? (steps.length ? Math.max(...steps) : 100));
  return {
    namespace: canary.metadata.namespace,
    name: canary.metadata.name,
    phase: s.phase ?? "Pending",
    weight: s.canaryWeight ?? 0,
    maxWeight,
    failedChecks: s.failedChecks ?? 0,
    ...(analysis.threshold !== undefined
      ? { threshold: analysis.threshold }
      : {}),
    ...(s.pausedBy ? { pausedBy: s.pausedBy } : {}),
    lastChecks: (s.lastChecks ?? []).map((c) => ({
      metric: c.metric,
      verdict: c.verdict,
      ...(c.value !== undefined ? { value: c.value } : {}),
    })),
    ...(phaseSince(s) ? { phaseSince: phaseSince(s) } : {}),
    ...(s.message ? { message: s.message } : {}),
    ...(s.gateways?.length ? { gateways: s.gateways } : {}),
  };
}

export function detailOf(canary: Canary, events: CanaryEvent[]): CanaryDetail {
  const timeline = events
    .map((e) => ({
      at: e.lastTimestamp ?? e.eventTime ?? "",
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: e.message ?? "",
    }))
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(-timelineLength);
  return {
    ...summaryOf(canary),
    history: canary.status?.history ?? { runs: [] },
    ...(canary.status?.lastRequest
      ? { lastRequest: canary.status.lastRequest }
      : {}),
    events: timeline,
  };
}

/** Only what the timeline needs of an Event, so the cache of a busy fleet's Events stays small. */
export function compactEvent(object: Record<string, unknown>): CanaryEvent & {
  metadata: { name: string; namespace: string; resourceVersion?: string };
} {
  const e = object as CanaryEvent;
  return {
    metadata: {
      name: e.metadata?.name ?? "",
      namespace: e.metadata?.namespace ?? "",
      ...(e.metadata?.resourceVersion
        ? { resourceVersion: e.metadata.resourceVersion }
        : {}),
    },
    involvedObject: {
      ...(e.involvedObject?.name ? { name: e.involvedObject.name } : {}),
      ...(e.involvedObject?.namespace
        ? { namespace: e.involvedObject.namespace }
        : {}),
    },
    ...(e.type ? { type: e.type } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.message ? { message: e.message.slice(0, 1024) } : {}),
    ...(e.lastTimestamp ? { lastTimestamp: e.lastTimestamp } : {}),
    ...(e.eventTime ? { eventTime: e.eventTime } : {}),
  };
}
