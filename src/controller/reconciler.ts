// One reconcile, top to bottom, as a list of named steps:
//   load the Canary -> resolve its spec -> finalizers and ownership -> observe the caches ->
//   gather the step's hook and metric results (beside the workers) -> decide (pure) ->
//   carry out the changes -> write the status once -> announce (events, alerts, hooks) -> record metrics.
// Announcements follow the status write, so a crash can lose a message but never repeats a step.
import type { Canary, CanaryStatus } from "../api/canary.ts";
import { resolveCanarySpec, type ResolvedSpec } from "../api/resolve.ts";
import { announceIgnoredFields, withIgnoredFields } from "./ignored.ts";
import { withoutFailure } from "./failures.ts";
import { checkPlan, decide } from "../analysis/decide.ts";
import { wantedHooks } from "../analysis/hooks.ts";
import type { DecideInput } from "../analysis/types.ts";
import { multiRouter } from "../routers/multi.ts";
import { isRouterName, type RouterName } from "../routers/names.ts";
import { adoptForeignStatus, primaryRunsTarget } from "../workloads/adopt.ts";
import type { Logger } from "../telemetry/logger.ts";
import {
  carryOut,
  ensureWith,
  timingOf,
  type ActionContext,
} from "./actions.ts";
import { canaryKey } from "./caches.ts";
import type { ReconcilerDeps } from "./deps.ts";
import {
  hasFinalizer,
  isDeleting,
  managingCanary,
  wantedFinalizers,
} from "./finalizer.ts";
import { gatherStep, metricTimeoutMs, stepIdentity } from "./gather.ts";
import { templateLookups } from "./lookups.ts";
import { observe, type Observed } from "./observe.ts";
import { checkProviders } from "./provider-check.ts";
import { pendingRequest } from "./request-annotation.ts";
import {
  releaseFinalizer,
  writeFinalizers,
  writeInvalid,
  writeStatus,
} from "./status-writes.ts";

export type { ReconcilerDeps } from "./deps.ts";

export type ReconcileResult = { requeueAfterMs?: number } | void;

export function createReconciler(
  deps: ReconcilerDeps,
): (key: string) => Promise<ReconcileResult> {
  return async (key) => {
    const canary = loadCanary(deps, key);
    if (!canary) {
      deps.steps.forget(key);
      deps.stepTimes.forget(key);
      return;
    }
    const log = deps.logger.child({
      canary: key,
      name: canary.metadata.name,
      namespace: canary.metadata.namespace,
      generation: canary.metadata.generation,
      phase: canary.status?.phase,
    });
    return deps.recorder.timeReconcile(() => reconcile(deps, canary, log));
  };
}

/** The Canary's routers as one: each carries the same weights (spec.routers, a gateway migration). */
const routerOf = (deps: ReconcilerDeps, spec: ResolvedSpec) =>
  multiRouter(spec.routers.map((name) => deps.routerFor(name)));

/** Routers the status lists that spec.routers no longer names: their routes go back to the primary. */
const retiredRouters = (canary: Canary, spec: ResolvedSpec): RouterName[] =>
  (canary.status?.gateways ?? [])
    .map((g) => g.router)
    .filter(
      (r): r is RouterName => isRouterName(r) && !spec.routers.includes(r),
    );

/** What each router carries, when there are several (or one was just removed from spec.routers). */
function gatewayWeights(
  deps: ReconcilerDeps,
  canary: Canary,
  spec: ResolvedSpec,
): { router: string; canaryWeight?: number }[] | undefined {
  const retired = retiredRouters(canary, spec);
  if (spec.routers.length < 2 && retired.length === 0) return undefined;
  return [...spec.routers, ...retired].map((router) => {
    const weight = deps.routerFor(router).routedCanaryWeight({ canary, spec });
    return {
      router,
      ...(weight !== undefined ? { canaryWeight: weight } : {}),
    };
  });
}

function loadCanary(deps: ReconcilerDeps, key: string): Canary | undefined {
  const [namespace = "", name = ""] = key.split("/");
  return deps.caches.canaries.get(name, namespace);
}

async function reconcile(
  deps: ReconcilerDeps,
  canary: Canary,
  log: Logger,
): Promise<ReconcileResult> {
  const startedAt = deps.clock.now();
  const deleting = isDeleting(canary);
  if (deleting && !hasFinalizer(canary)) return; // plain deletion: the garbage collector cleans up
  const resolved = resolveSpec(deps, canary);
  if (!resolved.ok)
    return deleting
      ? releaseFinalizer(deps, canary)
      : writeInvalid(deps, canary, resolved.issues, log);
  const spec = resolved.spec;
  if (!deleting) {
    const finalizers = wantedFinalizers(canary, spec.revertOnDeletion);
    if (finalizers) return writeFinalizers(deps, canary, finalizers);
    const owner = ownershipProblem(deps, canary, spec);
    if (owner)
      return writeInvalid(
        deps,
        canary,
        [{ path: "spec.targetRef.name", message: owner }],
        log,
      );
  }
  const observedResult = observe(canary, spec, deps.caches, {
    selectorLabels: deps.config.selectorLabels,
    configTracking: deps.config.enableConfigTracking,
    routedCanaryWeight: () =>
      routerOf(deps, spec).routedCanaryWeight({ canary, spec }),
    gatewayWeights: () => gatewayWeights(deps, canary, spec),
  });
  if (observedResult.ok === "pending") {
    log.debug({ waitingFor: observedResult.what }, "waiting for the cache");
    return;
  }
  if (!observedResult.ok)
    return deleting
      ? releaseFinalizer(deps, canary)
      : writeInvalid(deps, canary, observedResult.issues, log);
  const observed = observedResult.observed;
  const current = adoptFlaggerStatus(deps, canary, observed, log);

  const input = gatherStepResults(deps, current, spec, observed, deleting);
  if (!input) return; // the step's hooks and checks are being gathered; woken when they are in
  const decision = decide(input);

  const next = withIgnoredFields(
    canary,
    spec,
    withoutFailure({
      ...decision.status,
      observedGeneration: canary.metadata.generation ?? 0,
    }),
    deps.clock.now(),
  );
  const ctx = actionContext(deps, canary, spec, observed, next, log);
  for (const action of decision.actions.filter(
    (a) => timingOf(a) === "beforeStatus",
  )) {
    log.debug({ action }, "carrying out action");
    await carryOut(action, ctx);
  }
  if (await writeStatus(deps, canary, next)) {
    await announceIgnoredFields(deps, canary, next);
    if (next.phase !== canary.status?.phase)
      log.info(
        {
          from: canary.status?.phase,
          to: next.phase,
          weight: next.canaryWeight,
        },
        "phase changed",
      );
  }
  for (const action of decision.actions.filter(
    (a) => timingOf(a) === "routesAfterStatus",
  )) {
    log.debug({ action }, "carrying out action");
    await carryOut(action, ctx);
  }
  // A router removed from spec.routers mid-run sends everything to the primary until it carries nothing
  // (its objects stay, owned by the Canary); the one still named carries on undisturbed.
  for (const router of retiredRouters(canary, spec))
    await deps
      .routerFor(router)
      .setRoutes(
        { canary, spec, status: next },
        { primaryWeight: 100, canaryWeight: 0 },
      );
  const later = decision.actions.filter((a) => timingOf(a) === "afterStatus");
  if (later.length > 0)
    deps.background.queue(
      canaryKey(canary.metadata.namespace, canary.metadata.name),
      "announcement",
      async () => {
        for (const action of later) await carryOut(action, ctx);
      },
    );
  if (
    decision.actions.some(
      (a) => a.type === "notify" && a.kind === "initialized",
    )
  )
    checkProviders(canary, spec, {
      events: deps.events,
      background: deps.background,
      timeoutMs: metricTimeoutMs,
      ...templateLookups(deps.caches),
    });
  deps.recorder.recordCanary(
    {
      canary: {
        name: canary.metadata.name,
        namespace: canary.metadata.namespace,
      },
      target: spec.targetName,
      strategy: spec.strategy,
      skipAnalysis: spec.skipAnalysis,
      intervalMs: spec.intervalMs,
    },
    canary.status ?? {},
    next,
    deps.caches.canaries.list(canary.metadata.namespace).length,
    { startedAt, now: deps.clock.now() },
  );
  if (deleting) return releaseFinalizer(deps, canary);
  return decision.requeueAfterMs !== undefined
    ? { requeueAfterMs: decision.requeueAfterMs }
    : undefined;
}

/**
 * The Canary with a status Flagger wrote restated in Siskin's revisions, when the cluster shows that
 * changes nothing (see workloads/adopt.ts); the status write that follows records it.
 */
function adoptFlaggerStatus(
  deps: ReconcilerDeps,
  canary: Canary,
  observed: Observed,
  log: Logger,
): Canary {
  const { primary } = observed;
  const adoption = adoptForeignStatus(
    canary.status ?? {},
    observed.observations.targetRevision,
    () =>
      primary !== undefined &&
      primaryRunsTarget(
        {
          canary,
          target: observed.target,
          selector: observed.selector,
          tracked: observed.tracked,
          includeLabelPrefix: deps.config.includeLabelPrefix,
        },
        primary,
      ),
  );
  if (!adoption.adopted) return canary;
  log.info(
    { flaggerRevision: canary.status?.lastAppliedSpec },
    `adopted the status: ${adoption.reason}`,
  );
  return { ...canary, status: adoption.status };
}

function resolveSpec(deps: ReconcilerDeps, canary: Canary) {
  return resolveCanarySpec(canary.spec, {
    namespace: canary.metadata.namespace,
    knownProviders: deps.knownProviders,
    defaultProvider: deps.config.meshProvider,
    defaultMetricsServer: deps.config.metricsServer,
    minIntervalMs: deps.config.minAnalysisIntervalMs,
    noCrossNamespaceRefs: deps.config.noCrossNamespaceRefs,
  });
}

/** Another, older Canary already manages this target: this one must not touch it. */
function ownershipProblem(
  deps: ReconcilerDeps,
  canary: Canary,
  spec: ResolvedSpec,
): string | undefined {
  const { namespace, name } = canary.metadata;
  const manager = managingCanary(
    deps.caches.canaries.list(namespace),
    spec.targetName,
  );
  if (!manager || manager.metadata.name === name) return undefined;
  return `Deployment ${namespace}/${spec.targetName} is already managed by Canary ${manager.metadata.name}; delete this Canary or point targetRef at another Deployment`;
}

/**
 * The decision's input, with the results of the hooks and checks this step needs. When they are not
 * in yet, gathering starts (or goes on) beside the workers and this returns undefined.
 */
function gatherStepResults(
  deps: ReconcilerDeps,
  canary: Canary,
  spec: ResolvedSpec,
  observed: Observed,
  deleting: boolean,
): DecideInput | undefined {
  const { namespace, name } = canary.metadata;
  const key = canaryKey(namespace, name);
  const now = deps.clock.now();
  const request = pendingRequest(canary);
  const input: DecideInput = {
    spec,
    status: deps.stepTimes.onOurClock(key, canary.status ?? {}, now),
    observations: observed.observations,
    now,
    canary: { name, namespace },
    deleting,
    ...(request ? { request } : {}),
  };
  // A request is answered at once, without waiting for a step's checks (abort must not wait on them).
  if (request) {
    deps.steps.forget(key);
    return input;
  }
  const hooks = wantedHooks(input);
  const plan = checkPlan(input);
  if (hooks.length === 0 && !plan) {
    deps.steps.forget(key);
    return input;
  }
  const results = deps.steps.resultsFor(
    key,
    stepIdentity(input, hooks, plan?.subject ?? false),
    () => gatherStep(deps, canary, spec, input, hooks, plan),
  );
  if (!results) return undefined;
  for (const h of results.hooks.filter((r) => !r.ok))
    deps.logger.info(
      { canary: key, hook: h.name, type: h.type, result: h.message },
      "webhook said no",
    );
  return {
    ...input,
    stepStartedAt: results.startedAt,
    observations: {
      ...input.observations,
      hooks: results.hooks,
      ...(results.checks ? { checks: results.checks } : {}),
    },
  };
}

function actionContext(
  deps: ReconcilerDeps,
  canary: Canary,
  spec: ResolvedSpec,
  observed: Observed,
  next: CanaryStatus,
  log: Logger,
): ActionContext {
  return {
    canary,
    spec,
    observed,
    caches: deps.caches,
    writer: deps.writer,
    ensure: ensureWith(deps.caches, deps.writer),
    router: routerOf(deps, spec),
    status: next,
    includeLabelPrefix: deps.config.includeLabelPrefix,
    deps,
    phase: next.phase ?? "Initializing",
    weight: next.canaryWeight ?? 0,
    checksum: observed.observations.targetRevision,
    log,
  };
}
