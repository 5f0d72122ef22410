// `kubectl siskin wait --for promoted|failed` decides by revision, not by clock: the outcome of the
// target's current pod template (the revision the operator records in status.lastAppliedSpec), whenever
// it was reached. Promoted already: done at once. A newer template the Canary has not picked up yet:
// wait for it, never accepting the previous release's outcome. That revision rolled back: failed.
import type { Canary } from "../api/canary.ts";
import { targetRevision } from "../controller/observe.ts";

export type RevisionOutcome =
  | { state: "promoted" | "failed"; revision: string }
  | { state: "pending"; why: string };

interface Template {
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
}

/**
 * Where the target's current revision stands. The revision is computed as the operator computes it:
 * the pod template plus the config checksums the Canary recorded for its revision, so a template the
 * operator has not seen yet never matches.
 */
export function revisionOutcome(
  canary: Canary,
  target: Template,
  wantedImage?: string,
): RevisionOutcome {
  const images = (target.spec?.template?.spec?.containers ?? []).map(
    (c) => c.image,
  );
  if (wantedImage && !images.includes(wantedImage))
    return {
      state: "pending",
      why: `the target does not run ${wantedImage} yet (it has ${images.join(", ") || "no containers"})`,
    };
  const status = canary.status ?? {};
  const revision = targetRevision(
    target as Parameters<typeof targetRevision>[0],
    status.trackedConfigs ?? {},
  );
  if (status.lastAppliedSpec !== revision)
    return {
      state: "pending",
      why: "the Canary has not picked up the target's current revision yet",
    };
  const phase = status.phase ?? "";
  // Initialized: the first revision, promoted without analysis; Succeeded: promoted after a run.
  if (
    (phase === "Succeeded" || phase === "Initialized") &&
    status.lastPromotedSpec === revision
  )
    return { state: "promoted", revision };
  if (phase === "Failed") return { state: "failed", revision };
  return { state: "pending", why: `the run is in phase ${phase || "unknown"}` };
}
