// Carries out the decision core's workload and routing actions. Each is idempotent (absolute weights,
// server-side apply), so a reconcile that dies halfway is safe to run again.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { Action } from "../analysis/types.ts";
import type { ObjectWriter } from "../kube/objects.ts";
import type { Router } from "../routers/types.ts";
import {
  configCopies,
  primaryDeployment,
  primaryHpa,
  services,
} from "../workloads/desired.ts";
import type { Caches } from "./caches.ts";
import type { Observed } from "./observe.ts";

export interface ExecuteContext {
  canary: Canary;
  spec: ResolvedSpec;
  observed: Observed;
  caches: Caches;
  writer: ObjectWriter;
  router: Router;
  includeLabelPrefix: readonly string[];
}

/** The actions this module carries out; the type is derived from the list, so they cannot disagree. */
const workloadActionTypes = [
  "ensurePrimary",
  "setRoutes",
  "scaleTarget",
  "promote",
  "revert",
] as const;

export type WorkloadAction = Extract<
  Action,
  { type: (typeof workloadActionTypes)[number] }
>;

export function isWorkloadAction(action: Action): action is WorkloadAction {
  return (workloadActionTypes as readonly string[]).includes(action.type);
}

export async function execute(
  action: WorkloadAction,
  ctx: ExecuteContext,
): Promise<void> {
  switch (action.type) {
    case "ensurePrimary":
    case "promote":
      return applyPrimary(ctx);
    case "setRoutes":
      return ctx.router.setRoutes(
        { canary: ctx.canary, spec: ctx.spec },
        action,
      );
    case "revert":
      return revert(ctx);
    case "scaleTarget":
      return scaleTarget(ctx, action.to === "zero" ? 0 : scaleUpReplicas(ctx));
  }
}

/** Config copies first, so the primary's pods never reference a copy that does not exist yet. */
async function applyPrimary(ctx: ExecuteContext): Promise<void> {
  const { canary, spec, observed, writer, caches } = ctx;
  for (const copy of configCopies(canary, observed.tracked))
    await writer.apply(copy as KubernetesObject);
  await writer.apply(
    primaryDeployment({
      canary,
      target: observed.target,
      selector: observed.selector,
      tracked: observed.tracked,
      currentReplicas: observed.primary?.spec?.replicas,
      revision: observed.observations.targetRevision,
      includeLabelPrefix: ctx.includeLabelPrefix,
    }),
  );
  for (const service of services(canary, spec, observed.selector))
    await writer.apply(service);
  const hpaName = canary.spec.autoscalerRef?.name;
  if (hpaName) {
    const hpa = caches.hpas.get(hpaName, canary.metadata.namespace);
    if (hpa) await writer.apply(primaryHpa(canary, hpa, spec.targetName));
  }
}

/** The HPA's minimum when there is one, else the primary's replicas, else 1. */
function scaleUpReplicas(ctx: ExecuteContext): number {
  const hpaName = ctx.canary.spec.autoscalerRef?.name;
  const hpa = hpaName
    ? ctx.caches.hpas.get(hpaName, ctx.canary.metadata.namespace)
    : undefined;
  return hpa?.spec?.minReplicas ?? (ctx.observed.primary?.spec?.replicas || 1);
}

/**
 * Always written, never skipped by comparing with the cache: scaling happens only on transitions, and a
 * cache a moment behind (just after initialization scaled to zero) would otherwise skip a needed write.
 */
async function scaleTarget(
  ctx: ExecuteContext,
  replicas: number,
): Promise<void> {
  await ctx.writer.mergePatch({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: ctx.spec.targetName,
      namespace: ctx.canary.metadata.namespace,
    },
    spec: { replicas },
  } as KubernetesObject);
}

/**
 * revertOnDeletion: the target takes over again. It is scaled back up, the apex Service selects its
 * pods and loses its ownerReference (so it outlives the Canary), and the router objects are removed.
 */
async function revert(ctx: ExecuteContext): Promise<void> {
  const { canary, spec, observed } = ctx;
  await scaleTarget(ctx, scaleUpReplicas(ctx));
  const apex = services(canary, spec, observed.selector)[0];
  if (apex?.spec && apex.metadata) {
    apex.spec.selector = { [observed.selector.key]: observed.selector.value };
    apex.metadata.labels = {
      ...apex.metadata.labels,
      [observed.selector.key]: observed.selector.value,
    };
    delete apex.metadata.ownerReferences;
    await ctx.writer.apply(apex);
  }
  await ctx.router.finalize({ canary, spec });
}
