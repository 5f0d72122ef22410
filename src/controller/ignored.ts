// The FieldsIgnored condition: Flagger fields set on a Canary that none of its routers reads (the table
// is src/api/ignored-fields.ts). It rides on the reconcile's one status write; the Warning Event goes out
// once per generation, when the condition is first written for it.
import { canaryReference } from "../api/identity.ts";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import { ignoredFields, ignoredMessage } from "../api/ignored-fields.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { eventReasons, fieldsIgnoredCondition } from "../analysis/reasons.ts";
import type { EventDeps } from "./deps.ts";

type Condition = NonNullable<CanaryStatus["conditions"]>[number];

/** The status with the FieldsIgnored condition set (or removed when nothing is ignored). */
export function withIgnoredFields(
  canary: Canary,
  spec: ResolvedSpec,
  status: CanaryStatus,
  now: Date,
): CanaryStatus {
  const ignored = ignoredFields(canary.spec, spec.routers);
  const others = (status.conditions ?? []).filter(
    (c) => c.type !== fieldsIgnoredCondition,
  );
  if (ignored.length === 0) return { ...status, conditions: others };
  const generation = canary.metadata.generation ?? 0;
  const message = ignoredMessage(ignored, spec.routers);
  const previous = previousCondition(canary);
  const unchanged =
    previous?.message === message && previous.observedGeneration === generation;
  const condition: Condition = unchanged
    ? previous
    : {
        type: fieldsIgnoredCondition,
        status: "True",
        reason: eventReasons.fieldsIgnored,
        message,
        observedGeneration: generation,
        lastUpdateTime: now.toISOString(),
        lastTransitionTime:
          previous?.status === "True"
            ? (previous.lastTransitionTime ?? now.toISOString())
            : now.toISOString(),
      };
  return { ...status, conditions: [...others, condition] };
}

function previousCondition(canary: Canary): Condition | undefined {
  return canary.status?.conditions?.find(
    (c) => c.type === fieldsIgnoredCondition,
  );
}

/** After the status write: one Warning Event when the condition is new for this generation. */
export async function announceIgnoredFields(
  deps: EventDeps,
  canary: Canary,
  written: CanaryStatus,
): Promise<void> {
  const now = written.conditions?.find(
    (c) => c.type === fieldsIgnoredCondition,
  );
  if (!now) return;
  const before = previousCondition(canary);
  if (
    before !== undefined &&
    before.observedGeneration === now.observedGeneration &&
    before.message === now.message
  )
    return;
  await deps.events.record(
    canaryReference(canary),
    "Warning",
    eventReasons.fieldsIgnored,
    now.message ?? "",
  );
}
