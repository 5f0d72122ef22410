// revertOnDeletion's finalizer, and which Canary owns a target when several name the same Deployment.
import type { Canary } from "../api/canary.ts";

export const finalizerName = "finalizer.flagger.app";

export const isDeleting = (canary: Canary): boolean =>
  canary.metadata.deletionTimestamp !== undefined;
export const hasFinalizer = (canary: Canary): boolean =>
  canary.metadata.finalizers?.includes(finalizerName) ?? false;

/** The finalizers a live Canary should carry, or undefined when they are already right. */
export function wantedFinalizers(
  canary: Canary,
  revertOnDeletion: boolean,
): string[] | undefined {
  const current = canary.metadata.finalizers ?? [];
  if (revertOnDeletion && !current.includes(finalizerName))
    return [...current, finalizerName];
  if (!revertOnDeletion && current.includes(finalizerName))
    return current.filter((f) => f !== finalizerName);
  return undefined;
}

export const withoutFinalizer = (canary: Canary): string[] =>
  (canary.metadata.finalizers ?? []).filter((f) => f !== finalizerName);

/**
 * The Canary that manages a Deployment when several target it: the oldest (then the first by name),
 * so a second Canary can never take over, or fight over, a target that is already being managed.
 */
export function managingCanary(
  candidates: readonly Canary[],
  targetName: string,
): Canary | undefined {
  const time = (c: Canary) =>
    new Date(c.metadata.creationTimestamp ?? 0).getTime();
  return candidates
    .filter((c) => c.spec.targetRef.name === targetName && !isDeleting(c))
    .sort(
      (a, b) =>
        time(a) - time(b) || a.metadata.name.localeCompare(b.metadata.name),
    )[0];
}
