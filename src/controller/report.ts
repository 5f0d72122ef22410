// What a reconcile records (self-metrics, invalid specs, the finalizer release), and
// the cache lookups for MetricTemplates and Secrets.
import type { V1Secret } from "@kubernetes/client-node";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { Issue } from "../api/resolve.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import type { Logger } from "../telemetry/logger.ts";
import { primaryName } from "../workloads/names.ts";
import { withoutFinalizer } from "./finalizer.ts";
import type { ReconcilerDeps } from "./reconciler.ts";

export function record(
  deps: ReconcilerDeps,
  canary: Canary,
  before: CanaryStatus,
  after: CanaryStatus,
  target: string,
): void {
  const ref = {
    name: canary.metadata.name,
    namespace: canary.metadata.namespace,
  };
  deps.recorder.setTotal(
    ref.namespace,
    deps.caches.canaries.list(ref.namespace).length,
  );
  deps.recorder.setStatus(ref, after.phase);
  deps.recorder.setWeights(
    ref,
    primaryName(target),
    100 - (after.canaryWeight ?? 0),
    after.canaryWeight ?? 0,
  );
  if (before.phase !== after.phase) {
    if (after.phase === "Succeeded") deps.recorder.countSuccess(ref);
    if (after.phase === "Failed") deps.recorder.countFailure(ref);
    if (
      (after.phase === "Succeeded" || after.phase === "Failed") &&
      after.canaryRevisionStart
    ) {
      deps.recorder.observeDuration(
        ref,
        (deps.clock.now().getTime() - Date.parse(after.canaryRevisionStart)) /
          1000,
      );
    }
  }
}

/** A spec that cannot run: a condition and one Warning event per distinct problem; nothing else is touched. */
export async function reportInvalid(
  deps: ReconcilerDeps,
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
          type: "Promoted",
          status: "Unknown",
          reason: "InvalidSpec",
          message,
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  );
  await deps.events.record(
    {
      apiVersion: "flagger.app/v1beta1",
      kind: "Canary",
      name: canary.metadata.name,
      namespace: canary.metadata.namespace,
      uid: canary.metadata.uid,
    },
    "Warning",
    "InvalidSpec",
    message,
  );
}

/** Lets the API server finish deleting the Canary (after the revert, or when it cannot be reverted). */
export async function releaseFinalizer(
  deps: ReconcilerDeps,
  canary: Canary,
): Promise<void> {
  const { namespace, name } = canary.metadata;
  // No resourceVersion guard: this reconcile's own status write has already moved it on, and the only
  // change made is to drop Siskin's finalizer from the list.
  await deps.writer.setCanaryFinalizers(
    namespace,
    name,
    undefined,
    withoutFinalizer(canary),
  );
}

/** MetricTemplates and Secrets from the informer caches, Secrets decoded only when a check needs them. */
export function lookups(deps: ReconcilerDeps) {
  return {
    lookupTemplate: (ns: string, name: string) =>
      (
        deps.caches.metricTemplates.get(name, ns) as
          { spec?: MetricTemplateSpec } | undefined
      )?.spec,
    lookupSecret: (ns: string, name: string) =>
      decodeSecret(deps.caches.secrets.get(name, ns)),
  };
}

/** A Secret's data, base64-decoded; never logged. */
function decodeSecret(
  secret: V1Secret | undefined,
): Record<string, string> | undefined {
  if (!secret) return undefined;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = Buffer.from(value, "base64").toString("utf8");
  return data;
}
