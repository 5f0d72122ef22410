// The workload side of the decision core's actions: the primary and its Services, HPA and config
// copies, the target's replicas, and the revert on deletion. Each is idempotent (server-side apply,
// absolute replicas), so a reconcile that dies halfway is safe to run again.
import type { Canary, CanaryStatus } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { KubeObject } from "../kube/api.ts";
import type { ObjectWriter } from "../kube/objects.ts";
import type { Router } from "../routers/types.ts";
import {
  configCopies,
  configCopy,
  primaryDeployment,
  primaryHpa,
  services,
} from "../workloads/desired.ts";
import { previousName } from "../workloads/names.ts";
import { previousRelease } from "../workloads/previous-release.ts";
import { statusCodeOf } from "../kube/client/errors.ts";
import { SiskinError } from "../util/errors.ts";
import { restartedAtAnnotation } from "../workloads/desired.ts";
import type { Caches } from "./caches.ts";
import { lookup } from "./lookups.ts";
import type { Observed } from "./observe.ts";

export interface ExecuteContext {
  canary: Canary;
  spec: ResolvedSpec;
  observed: Observed;
  caches: Caches;
  writer: ObjectWriter;
  /** Applies each object unless the cache already holds every field it sets. */
  ensure: (objects: KubeObject[]) => Promise<void>;
  router: Router;
  includeLabelPrefix: readonly string[];
  /** The status this reconcile writes: routes follow it (phase, revision, history). */
  status: CanaryStatus;
}

/**
 * Config copies first, so the primary's pods never reference a copy that does not exist yet. Objects the
 * cache already holds as desired are not written again (Promoting asks for this until the primary is
 * ready).
 */
export async function applyPrimary(ctx: ExecuteContext): Promise<void> {
  const { canary, spec, observed, caches, ensure } = ctx;
  await ensure(configCopies(canary, observed.tracked) as KubeObject[]);
  await ensure([
    primaryDeployment({
      canary,
      target: observed.target,
      selector: observed.selector,
      tracked: observed.tracked,
      currentReplicas: observed.primary?.spec?.replicas,
      revision: observed.observations.targetRevision,
      includeLabelPrefix: ctx.includeLabelPrefix,
    }) as KubeObject,
  ]);
  await ensureServices(ctx);
  const hpaName = canary.spec.autoscalerRef?.name;
  if (hpaName) {
    const hpa = lookup(caches.hpas, canary.metadata.namespace, hpaName);
    if (hpa.state === "ready")
      await ensure([
        primaryHpa(canary, hpa.object, spec.targetName) as KubeObject,
      ]);
  }
}

/**
 * A bake revert or an undo: the -primary config copies get the previous release's data back (from the
 * -previous copies kept at the promotion), then the primary gets its pod template back (as it ran, from
 * status.previous) and that release's revision annotation; everything else as a promotion writes it.
 */
export async function revertPrimary(
  ctx: ExecuteContext,
  action: {
    template: Record<string, unknown>;
    revision: string;
    configs?: string[];
    restartedAt?: string;
  },
): Promise<void> {
  const { canary, observed } = ctx;
  await copyConfigs(ctx, action.configs ?? [], "-previous", "-primary");
  const desired = primaryDeployment({
    canary,
    target: observed.target,
    selector: observed.selector,
    tracked: observed.tracked,
    currentReplicas: observed.primary?.spec?.replicas,
    revision: action.revision,
    includeLabelPrefix: ctx.includeLabelPrefix,
  });
  const template = structuredClone(action.template) as NonNullable<
    typeof desired.spec
  >["template"];
  // Restored config data reaches running pods only through a restart (env is read at start), and a
  // release that changed only a ConfigMap has the same template as the one it replaced.
  if (action.restartedAt)
    template.metadata = {
      ...template.metadata,
      annotations: {
        ...template.metadata?.annotations,
        [restartedAtAnnotation]: action.restartedAt,
      },
    };
  desired.spec!.template = template;
  await ctx.ensure([desired as KubeObject]);
}

/** Before a promotion overwrites them: the -primary copies of these configs kept as -previous. */
export async function keepPreviousConfigs(
  ctx: ExecuteContext,
  configs: string[],
): Promise<void> {
  await copyConfigs(ctx, configs, "-primary", "-previous");
}

/**
 * `<name><from>` copied to `<name><to>` for each "configmap/<name>" or "secret/<name>", from the caches
 * (observe() holds both copies whole for a Canary with analysis.bake). A copy that does not exist is
 * skipped: a promotion that never made it has nothing to keep.
 */
async function copyConfigs(
  ctx: ExecuteContext,
  configs: string[],
  from: string,
  to: string,
): Promise<void> {
  const ns = ctx.canary.metadata.namespace;
  const copies: KubeObject[] = [];
  for (const config of configs) {
    const at = config.indexOf("/");
    const name = config.slice(at + 1);
    const kind = config.slice(0, at) === "secret" ? "Secret" : "ConfigMap";
    const store =
      kind === "Secret" ? ctx.caches.secrets : ctx.caches.configMaps;
    const source = lookup(store, ns, `${name}${from}`);
    if (source.state === "loading")
      throw new SiskinError(
        "NOT_FOUND",
        `${kind} ${ns}/${name}${from} is still being fetched; the copy is retried`,
        { retriable: true },
      );
    if (source.state === "ready")
      copies.push(
        configCopy(
          ctx.canary,
          kind,
          source.object,
          `${name}${to}`,
        ) as KubeObject,
      );
  }
  await ctx.ensure(copies);
}

/** The apex, -primary and -canary Services; ones the cache holds as desired are not written. */
export async function ensureServices(
  ctx: ExecuteContext,
  servingPrevious = false,
): Promise<void> {
  const { canary, spec, observed } = ctx;
  await ctx.ensure(
    services(canary, spec, observed.selector, servingPrevious) as KubeObject[],
  );
}

/**
 * analysis.rollbackWindow: the previous release's pods at a quarter of the primary's replicas (at least
 * one) while they wait, all of the primary's while they serve a revert.
 */
export async function warmPrevious(
  ctx: ExecuteContext,
  action: {
    template: Record<string, unknown>;
    revision: string;
    scale: "reduced" | "full";
    configs?: string[];
  },
): Promise<void> {
  const { canary, spec, observed } = ctx;
  const primaryReplicas = observed.primary?.spec?.replicas || 1;
  await ctx.ensure(
    previousRelease({
      canary,
      spec,
      target: observed.target,
      selector: observed.selector,
      template: action.template,
      revision: action.revision,
      replicas:
        action.scale === "full"
          ? primaryReplicas
          : Math.max(1, Math.ceil(primaryReplicas / 4)),
      includeLabelPrefix: ctx.includeLabelPrefix,
      ...(action.configs ? { configs: action.configs } : {}),
    }) as KubeObject[],
  );
}

/**
 * The window ended (or the revert is done): <target>-previous scaled to zero. Scaled, not deleted, so
 * the operator needs no delete permission on Deployments; the Canary owns it (garbage-collected with it).
 */
export async function coolPrevious(ctx: ExecuteContext): Promise<void> {
  const { canary, spec, caches } = ctx;
  const name = previousName(spec.targetName);
  const held = lookup(caches.deployments, canary.metadata.namespace, name);
  if (held.state === "ready" && held.object.spec?.replicas === 0) return;
  try {
    await ctx.writer.mergePatch({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: canary.metadata.namespace },
      spec: { replicas: 0 },
    } as KubeObject);
  } catch (error) {
    // Never created (the window ended before a reconcile warmed them): nothing to scale.
    if (statusCodeOf(error) !== 404) throw error;
  }
}

/** The HPA's minimum when there is one, else the primary's replicas, else 1. */
function scaleUpReplicas(ctx: ExecuteContext): number {
  const hpaName = ctx.canary.spec.autoscalerRef?.name;
  const hpa = hpaName
    ? lookup(ctx.caches.hpas, ctx.canary.metadata.namespace, hpaName)
    : undefined;
  const min = hpa?.state === "ready" ? hpa.object.spec?.minReplicas : undefined;
  return min ?? (ctx.observed.primary?.spec?.replicas || 1);
}

/**
 * Always written, never skipped by comparing with the cache: scaling happens only on transitions, and a
 * cache a moment behind (just after initialization scaled to zero) would otherwise skip a needed write.
 */
export async function scaleTarget(
  ctx: ExecuteContext,
  to: "zero" | "up",
): Promise<void> {
  const replicas = to === "zero" ? 0 : scaleUpReplicas(ctx);
  await ctx.writer.mergePatch({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: ctx.spec.targetName,
      namespace: ctx.canary.metadata.namespace,
    },
    spec: { replicas },
  } as KubeObject);
}

/**
 * revertOnDeletion: the target takes over again. It is scaled back up, the apex Service selects its
 * pods and loses its ownerReference (so it outlives the Canary), and the router objects are removed.
 */
export async function revert(ctx: ExecuteContext): Promise<void> {
  const { canary, spec, observed } = ctx;
  await scaleTarget(ctx, "up");
  const apex = services(canary, spec, observed.selector)[0];
  if (apex?.spec && apex.metadata) {
    apex.spec.selector = { [observed.selector.key]: observed.selector.value };
    apex.metadata.labels = {
      ...apex.metadata.labels,
      [observed.selector.key]: observed.selector.value,
    };
    delete apex.metadata.ownerReferences;
    await ctx.writer.apply(apex as KubeObject);
  }
  await ctx.router.finalize({ canary, spec });
}
