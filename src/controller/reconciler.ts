// reconcile(key): read the Canary from the cache, validate, observe, decide (pure), act, write status once,
// then tell people (events, notifications). Notifications come after the status write, so a crash can
// lose a message but never repeats a step.
import type { CanaryStatus } from "../api/canary.ts";
import { resolveCanarySpec } from "../api/resolve.ts";
import { decide, wantsChecks } from "../analysis/decide.ts";
import { wantedHooks } from "../analysis/hooks.ts";
import type { DecideInput } from "../analysis/types.ts";
import type { OperatorConfig } from "../config/flags.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { ObjectWriter } from "../kube/objects.ts";
import { runChecks } from "../metrics/checks.ts";
import type { MetricProvider } from "../metrics/types.ts";
import type { Notifier } from "../notify/types.ts";
import type { RouterName } from "../routers/registry.ts";
import type { Router } from "../routers/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Recorder } from "../telemetry/recorder.ts";
import type { Clock } from "../util/clock.ts";
import { callWebhooks } from "../webhooks/call.ts";
import { stableStringify } from "../util/hash.ts";
import type { Caches } from "./caches.ts";
import { execute, isWorkloadAction } from "./execute.ts";
import {
  hasFinalizer,
  isDeleting,
  managingCanary,
  wantedFinalizers,
} from "./finalizer.ts";
import { observe } from "./observe.ts";
import { checkProvidersInBackground } from "./provider-check.ts";
import { lookups, record, releaseFinalizer, reportInvalid } from "./report.ts";
import { tell } from "./tell.ts";

export interface ReconcilerDeps {
  caches: Caches;
  writer: ObjectWriter;
  events: EventRecorder;
  routerFor: (name: RouterName) => Router;
  prometheusFor: (address: string) => MetricProvider;
  notifier: Notifier | undefined;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  config: Readonly<OperatorConfig>;
  knownProviders: readonly string[];
}

const metricTimeoutMs = 10_000;

export function createReconciler(
  deps: ReconcilerDeps,
): (key: string) => Promise<{ requeueAfterMs?: number } | void> {
  return async (key) => {
    const [namespace = "", name = ""] = key.split("/");
    const canary = deps.caches.canaries.get(name, namespace);
    if (!canary) return;
    const log = deps.logger.child({
      canary: key,
      generation: canary.metadata.generation,
      phase: canary.status?.phase,
    });
    const status = canary.status ?? {};
    const resolved = resolveCanarySpec(canary.spec, {
      namespace,
      knownProviders: deps.knownProviders,
      defaultProvider: deps.config.meshProvider,
      defaultMetricsServer: deps.config.metricsServer,
      minIntervalMs: deps.config.minAnalysisIntervalMs,
    });
    const deleting = isDeleting(canary);
    if (deleting && !hasFinalizer(canary)) return; // plain deletion: the garbage collector removes what it owned
    if (!resolved.ok) {
      if (deleting) return releaseFinalizer(deps, canary);
      return reportInvalid(deps, canary, resolved.issues, log);
    }
    const spec = resolved.spec;
    if (!deleting) {
      const finalizers = wantedFinalizers(canary, spec.revertOnDeletion);
      if (finalizers) {
        // The update event of this write brings the Canary back to the queue.
        return deps.writer.setCanaryFinalizers(
          namespace,
          name,
          canary.metadata.resourceVersion ?? "",
          finalizers,
        );
      }
      const manager = managingCanary(
        deps.caches.canaries.list(namespace),
        spec.targetName,
      );
      if (manager && manager.metadata.name !== name) {
        const message = `Deployment ${namespace}/${spec.targetName} is already managed by Canary ${manager.metadata.name}; delete this Canary or point targetRef at another Deployment`;
        return reportInvalid(
          deps,
          canary,
          [{ path: "spec.targetRef.name", message }],
          log,
        );
      }
    }
    const observedResult = observe(canary, spec, deps.caches, {
      selectorLabels: deps.config.selectorLabels,
      configTracking: deps.config.enableConfigTracking,
    });
    if (!observedResult.ok) {
      if (deleting) return releaseFinalizer(deps, canary);
      return reportInvalid(deps, canary, observedResult.issues, log);
    }
    const observed = observedResult.observed;

    const input: DecideInput = {
      spec,
      status,
      observations: observed.observations,
      now: deps.clock.now(),
      canary: { name, namespace },
      deleting,
    };
    const hookTypes = wantedHooks(input);
    if (hookTypes.length > 0) {
      const hooks = await callWebhooks(spec.webhooks, hookTypes, {
        name,
        namespace,
        phase: status.phase ?? "Initializing",
        checksum: observed.observations.targetRevision,
      });
      for (const h of hooks.filter((r) => !r.ok))
        log.info(
          { hook: h.name, type: h.type, result: h.message },
          "webhook said no",
        );
      input.observations = { ...input.observations, hooks };
    }
    if (wantsChecks(input)) {
      const checks = await runChecks({
        name,
        namespace,
        spec,
        prometheus: deps.prometheusFor(spec.metricsServer),
        timeoutMs: metricTimeoutMs,
        ...lookups(deps),
      });
      input.observations = { ...input.observations, checks };
      for (const c of checks)
        deps.recorder.setCheck(
          { name, namespace },
          c.metric,
          c.verdict,
          c.value,
        );
    }
    const decision = decide(input);
    const router = deps.routerFor(spec.provider as RouterName);
    const ctx = {
      canary,
      spec,
      observed,
      caches: deps.caches,
      writer: deps.writer,
      router,
      includeLabelPrefix: deps.config.includeLabelPrefix,
    };
    for (const action of decision.actions) {
      if (!isWorkloadAction(action)) continue;
      log.debug({ action }, "carrying out action");
      await execute(action, ctx);
    }

    const next: CanaryStatus = {
      ...decision.status,
      observedGeneration: canary.metadata.generation ?? 0,
    };
    if (stableStringify(next) !== stableStringify(status)) {
      await deps.writer.patchCanaryStatus(namespace, name, next);
      if (next.phase !== status.phase)
        log.info(
          { from: status.phase, to: next.phase, weight: next.canaryWeight },
          "phase changed",
        );
    }
    if (
      decision.actions.some(
        (a) => a.type === "notify" && a.kind === "initialized",
      )
    ) {
      checkProvidersInBackground(canary, spec, {
        events: deps.events,
        timeoutMs: metricTimeoutMs,
        ...lookups(deps),
      });
    }
    await tell(
      deps,
      canary,
      {
        spec,
        phase: next.phase ?? "Initializing",
        checksum: observed.observations.targetRevision,
        weight: next.canaryWeight ?? 0,
      },
      decision.actions,
      log,
    );
    if (deleting) return releaseFinalizer(deps, canary);
    record(deps, canary, status, next, spec.targetName);
    return decision.requeueAfterMs !== undefined
      ? { requeueAfterMs: decision.requeueAfterMs }
      : undefined;
  };
}
