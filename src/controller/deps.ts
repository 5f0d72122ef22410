// What a reconcile needs from the rest of the operator, built once in main.ts. A module of its own so
// the controller's modules depend on it and not on each other (no import cycle through the reconciler).
import type { OperatorConfig } from "../config/flags.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { ObjectWriter } from "../kube/objects.ts";
import type { MetricProvider } from "../metrics/types.ts";
import type { Notifier } from "../notify/types.ts";
import type { RouterName } from "../routers/registry.ts";
import type { Router } from "../routers/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Recorder } from "../telemetry/recorder.ts";
import type { Clock } from "../util/clock.ts";
import type { BackgroundWork } from "./background.ts";
import type { Caches } from "./caches.ts";
import type { FairSlots } from "./fair-slots.ts";
import type { StepObservations } from "./step-observations.ts";
import type { StepTimes } from "./step-times.ts";

export interface ReconcilerDeps {
  caches: Caches;
  writer: ObjectWriter;
  events: EventRecorder;
  routerFor: (name: RouterName) => Router;
  prometheusFor: (address: string) => MetricProvider;
  /** The operator-wide notifiers (--slack-url, --msteams-url); a Canary's alerts[] replace them. */
  notifiers: { name: string; notifier: Notifier }[];
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  config: Readonly<OperatorConfig>;
  knownProviders: readonly string[];
  /** Checks and hooks of analysis steps, gathered beside the workers. */
  steps: StepObservations;
  /** Step times written by a leader whose clock ran ahead, moved onto this clock. */
  stepTimes: StepTimes;
  /** Bounds calls per metrics provider and per webhook host. */
  outbound: FairSlots;
  /**
   * Work a reconcile starts and does not wait for: announcements after the status write (queued in
   * order per Canary) and provider checks; `steps` gathers through it too.
   */
  background: BackgroundWork;
}

// What each part of a reconcile may reach: the compiler keeps each to the few dependencies it uses, so
// a newcomer sees them in the signature and a new use is a visible change here.
/** The Canary's own writes: status, finalizers. */
export type StatusDeps = Pick<ReconcilerDeps, "writer">;
/** Events on the Canary. */
export type EventDeps = Pick<ReconcilerDeps, "events">;
/** Events, hooks and notifications after the status write. */
export type AnnounceDeps = Pick<
  ReconcilerDeps,
  "caches" | "clock" | "config" | "events" | "notifiers" | "recorder"
>;
/** A step's hooks and metric checks. */
export type GatherDeps = Pick<
  ReconcilerDeps,
  "caches" | "clock" | "config" | "outbound" | "prometheusFor" | "recorder"
>;
/** A spec that cannot run: its status, an Event, an alert when a run was going on. */
export type InvalidSpecDeps = StatusDeps &
  AnnounceDeps &
  Pick<ReconcilerDeps, "clock">;
