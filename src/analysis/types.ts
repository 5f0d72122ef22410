// Inputs and outputs of the pure decision core. The controller gathers Observations, calls decide(),
// carries out the Actions in order, and writes the returned status once.
import type {
  CanaryStatus,
  CheckResult,
  Phase,
  WebhookType,
} from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";

export interface Readiness {
  ready: boolean;
  /** Why it is not ready, for events and the rollback reason. */
  message?: string;
  /** Permanently failed (ProgressDeadlineExceeded): waiting longer will not help. */
  failed?: boolean;
}

export interface Observations {
  /** Hash of the target's pod template and the checksums of the configs it references. */
  targetRevision: string;
  /** Checksums of tracked ConfigMaps/Secrets of the target, to record in status.trackedConfigs. */
  trackedConfigs: Record<string, string>;
  /** The primary Deployment exists and is ready (after initialization or promotion). */
  primary: Readiness & {
    exists: boolean;
    /** The target revision the primary runs (its siskin.dev/revision annotation), if known. */
    revision?: string;
  };
  /** The target Deployment (the canary) is ready. */
  canary: Readiness;
  /**
   * The router's objects are watched (Gloo RouteTables and Upstreams when the CRDs exist), or there are
   * none (kubernetes): drift wakes the Canary, so an idle one needs no periodic re-assertion.
   */
  routerWatched?: boolean;
  /**
   * The canary's weight as the router's objects split traffic now (from the cache); absent when the
   * router cannot say (no weighted split, objects not watched).
   */
  routedCanaryWeight?: number;
  /**
   * With several routers, or a router just removed from spec.routers: the canary weight each one's
   * objects carry (absent when unknown). Recorded in status.gateways.
   */
  gatewayWeights?: { router: string; canaryWeight?: number }[];
  /**
   * The -primary ConfigMap and Secret copies that template uses, as "configmap/<name>" and
   * "secret/<name>": what a promotion overwrites and a revert puts back.
   */
  primaryConfigCopies?: string[];
  /** The primary's pod template as it runs now: recorded at a promotion, what a revert goes back to. */
  primaryTemplate?: Record<string, unknown>;
  /** analysis.rollbackWindow: the previous release's warm pods (<target>-previous), when the cache holds them. */
  previousPods?: { revision?: string; available: number };
  /** Metric verdicts, present only when wantsChecks() asked for them. */
  checks?: CheckResult[];
  /** Results of the webhooks wantedHooks() asked for. */
  hooks?: HookResult[];
}

/** One webhook call: success is any 2xx; message carries the failure (status and response body). */
export interface HookResult {
  name: string;
  type: WebhookType;
  ok: boolean;
  message: string;
  statusCode?: number;
}

export interface DecideInput {
  spec: ResolvedSpec;
  status: CanaryStatus;
  observations: Observations;
  now: Date;
  /**
   * When this step's hooks and checks started to be gathered, so the time they took does not push
   * the next step back; the step's time (lastStepTime) is its due time when this is within an
   * interval of it (stepTime). Defaults to now.
   */
  stepStartedAt?: Date;
  /** The Canary is being deleted and Siskin's finalizer (revertOnDeletion) is on it. */
  deleting?: boolean;
  /** Canary name/namespace for messages. */
  canary: { name: string; namespace: string };
  /** A request (siskin.dev/request) whose id is not yet in status.lastRequest. */
  request?: OperatorRequest | UnreadableRequest;
}

export type NotificationKind =
  | "initialized"
  | "newRevision"
  | "promoted"
  | "rollback"
  | "restart"
  | "skipped"
  | "terminated"
  | "waiting"
  | "halted"
  /** analysis.onFailure: hold: the run waits for a person. */
  | "held"
  /** The primary did not become ready after the promotion copy; the canary keeps serving. */
  | "promotionFailed"
  /** The spec of a Canary in a run became invalid: the run is frozen where it is. */
  | "invalidSpec"
  /** A metric provider did not answer a whole analysis interval. */
  | "providerError"
  /** The primary went back to the previous release (a failed bake, or kubectl siskin undo). */
  | "reverted";

export type Action =
  /** Create or update the primary Deployment, the Services, the primary HPA and config copies. */
  | { type: "ensurePrimary" }
  /**
   * Create or restore the apex, -primary and -canary Services (no write when the cache holds them as
   * desired). servingPrevious: the apex and -canary select the warm previous pods (a revert in progress).
   */
  | { type: "ensureServices"; servingPrevious?: boolean }
  /**
   * analysis.rollbackWindow: <target>-previous runs this template (the release a promotion replaced)
   * behind <apex>-previous, at a quarter of the primary's replicas, or all of them while it serves.
   */
  | {
      type: "warmPrevious";
      template: Record<string, unknown>;
      revision: string;
      scale: "reduced" | "full";
      /** The template's -primary config copies, mounted from their -previous copies instead. */
      configs?: string[];
    }
  /** The rollback window ended or the revert is done: <target>-previous scaled to zero. */
  | { type: "coolPrevious" }
  /** Create or update the router objects with these absolute weights; abTest routes matching requests to the canary. */
  | {
      type: "setRoutes";
      primaryWeight: number;
      canaryWeight: number;
      abTest?: boolean;
    }
  | { type: "scaleTarget"; to: "zero" | "up" }
  /** Canary deleted with revertOnDeletion: target scaled back up, apex Service to the target, router objects removed. */
  | { type: "revert" }
  /** Copy the target's pod template (and configs, HPA) to the primary. */
  | { type: "promote" }
  /**
   * Put this pod template (the previous release's) back on the primary, recorded as `revision`, with the
   * -primary copies of `configs` restored from their -previous copies first; `restartedAt` (set when
   * there are configs) makes the pods restart even when the template itself did not change.
   */
  | {
      type: "revertPrimary";
      template: Record<string, unknown>;
      revision: string;
      configs?: string[];
      restartedAt?: string;
    }
  /** Before a promotion overwrites them: the -primary copies of `configs` kept as <name>-previous. */
  | { type: "keepPreviousConfigs"; configs: string[] }
  /** Call the Canary's hooks of this type after the status write (their results change nothing). */
  | { type: "runHooks"; hookType: WebhookType }
  | {
      type: "event";
      eventType: "Normal" | "Warning";
      reason: string;
      message: string;
    }
  | {
      type: "notify";
      kind: NotificationKind;
      severity: "info" | "warn" | "error";
      message: string;
      reason?: string;
    };

export interface Decision {
  status: CanaryStatus;
  actions: Action[];
  /** When to look again even if nothing changes (the next analysis step, or a readiness poll). */
  requeueAfterMs?: number;
}

export type { Phase };

/** Actions a person or tool can ask for through the siskin.dev/request annotation. */
export const requestActions = [
  "promote",
  "abort",
  "retry",
  "pause",
  "resume",
  "undo",
] as const;
export type RequestAction = (typeof requestActions)[number];

export interface OperatorRequest {
  id: string;
  action: RequestAction;
  /** Who asked (the CLI writes the kubeconfig user); named in the event and the record. */
  by: string;
  /** abort: why. */
  reason?: string;
}

/** A request the annotation could not express: recorded as refused under `id`, with the problem. */
export interface UnreadableRequest {
  id: string;
  problem: string;
}
