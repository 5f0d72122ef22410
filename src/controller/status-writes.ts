// Writes to the Canary itself: the one status patch of a reconcile, the InvalidSpec status of a spec
// that cannot run, and the finalizer (added for revertOnDeletion, released when the revert is done).
import { canaryReference } from "../api/identity.ts";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { Issue } from "../api/resolve.ts";
import {
  conditionReasons,
  eventReasons,
  promotedCondition,
} from "../analysis/reasons.ts";
import type { Logger } from "../telemetry/logger.ts";
import { stableStringify } from "../util/hash.ts";
import { mergePatchFor } from "../util/merge-patch.ts";
import type { InvalidSpecDeps, StatusDeps } from "./deps.ts";
import { withoutFinalizer } from "./finalizer.ts";
import { sendNotification } from "./announcements.ts";

/** Patches the status when it changed; returns whether it wrote. */
export async function writeStatus(
  deps: StatusDeps,
  canary: Canary,
  next: CanaryStatus,
): Promise<boolean> {
  const current = canary.status ?? {};
  if (stableStringify(next) === stableStringify(current)) return false;
  // A field the decision dropped (a lifted pause, a cleared message, a nested one) goes from the
  // stored status too.
  await deps.writer.patchCanaryStatus(
    canary.metadata.namespace,
    canary.metadata.name,
    mergePatchFor(
      current as Record<string, unknown>,
      next as Record<string, unknown>,
    ) as CanaryStatus,
  );
  return true;
}

/** A spec that cannot run: a condition and one Warning event per distinct problem; nothing else is touched. */
export async function writeInvalid(
  deps: InvalidSpecDeps,
  canary: Canary,
  issues: Issue[],
  log: Logger,
): Promise<void> {
  const message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  const status = canary.status ?? {};
  if (status.message === message) return;
  log.warn({ issues }, "canary spec is invalid");
  const now = deps.clock.now().toISOString();
  await deps.writer.patchCanaryStatus(
    canary.metadata.namespace,
    canary.metadata.name,
    {
      ...status,
      phase: status.phase ?? "Initializing",
      message,
      observedGeneration: canary.metadata.generation ?? 0,
      conditions: [
        {
          type: promotedCondition,
          status: "Unknown",
          reason: conditionReasons.invalidSpec,
          message,
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  );
  await deps.events.record(
    canaryReference(canary),
    "Warning",
    eventReasons.invalidSpec,
    message,
  );
  // A run in flight is frozen where it is (traffic split, canary up) until the spec is fixed: that
  // needs a person, so it alerts, once per distinct problem (the status.message check above).
  if (status.phase && runningPhases.has(status.phase)) {
    const weight = status.canaryWeight ?? 0;
    await sendNotification(
      {
        deps,
        canary,
        phase: status.phase,
        weight,
        log,
        targetName: canary.spec.targetRef?.name ?? "",
      },
      {
        type: "notify",
        kind: "invalidSpec",
        severity: "error",
        message: `The spec of ${canary.metadata.name}.${canary.metadata.namespace} became invalid during its run: the run is frozen at weight ${weight} until it is fixed`,
        reason: message,
      },
    );
  }
}

const runningPhases = new Set([
  "Progressing",
  "WaitingPromotion",
  "Promoting",
  "Finalising",
]);

/** Sets the finalizers a live Canary should carry; the reconcile runs again once they are written. */
export async function writeFinalizers(
  deps: StatusDeps,
  canary: Canary,
  finalizers: string[],
): Promise<{ requeueAfterMs: number }> {
  await deps.writer.setCanaryFinalizers(
    canary.metadata.namespace,
    canary.metadata.name,
    canary.metadata.resourceVersion ?? "",
    finalizers,
  );
  return { requeueAfterMs: 0 };
}

/** Lets the API server finish deleting the Canary (after the revert, or when it cannot be reverted). */
export async function releaseFinalizer(
  deps: StatusDeps,
  canary: Canary,
): Promise<void> {
  // No resourceVersion guard: this reconcile's own status write has already moved it on, and the only
  // change made is to drop Siskin's finalizer from the list.
  await deps.writer.setCanaryFinalizers(
    canary.metadata.namespace,
    canary.metadata.name,
    undefined,
    withoutFinalizer(canary),
  );
}
