// reconcile(key): read the Canary from the cache, validate, observe, decide (pure), act, write status once,
// then tell people (events, notifications). Notifications come after the status write, so a crash can
// lose a message but never repeats a step.
import type { Canary, CanaryStatus } from "../api/canary.ts";
import { resolveCanarySpec, type Issue } from "../api/resolve.ts";
import { decide, wantsChecks } from "../analysis/decide.ts";
import type { Action, DecideInput } from "../analysis/types.ts";
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
import { errorMessage } from "../util/errors.ts";
import { stableStringify } from "../util/hash.ts";
import { primaryName } from "../workloads/names.ts";
import type { Caches } from "./caches.ts";
import { execute, isWorkloadAction } from "./execute.ts";
import { observe } from "./observe.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import type { V1Secret } from "@kubernetes/client-node";
import {
  hasFinalizer,
  isDeleting,
  managingCanary,
  wantedFinalizers,
  withoutFinalizer,
} from "./finalizer.ts";

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
    if (wantsChecks(input)) {
      const checks = await runChecks({
        name,
        namespace,
        spec,
        prometheus: deps.prometheusFor(spec.metricsServer),
        timeoutMs: metricTimeoutMs,
        lookupTemplate: (ns, templateName) =>
          (
            deps.caches.metricTemplates.get(templateName, ns) as
              { spec?: MetricTemplateSpec } | undefined
          )?.spec,
        lookupSecret: (ns, secretName) =>
          decodeSecret(deps.caches.secrets.get(secretName, ns)),
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
    await tell(deps, canary, spec.targetName, decision.actions, log);
    if (deleting) return releaseFinalizer(deps, canary);
    record(deps, canary, status, next, spec.targetName);
    return decision.requeueAfterMs !== undefined
      ? { requeueAfterMs: decision.requeueAfterMs }
      : undefined;
  };
}

async function tell(
  deps: ReconcilerDeps,
  canary: Canary,
  target: string,
  actions: Action[],
  log: Logger,
): Promise<void> {
  const involved = {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    name: canary.metadata.name,
    namespace: canary.metadata.namespace,
    uid: canary.metadata.uid,
  };
  for (const action of actions) {
    if (action.type === "event") {
      await deps.events.record(
        involved,
        action.eventType,
        action.reason,
        action.message,
      );
    } else if (action.type === "notify" && deps.notifier) {
      try {
        await deps.notifier.post({
          canary: {
            name: canary.metadata.name,
            namespace: canary.metadata.namespace,
          },
          target,
          cluster: deps.config.clusterName,
          kind: action.kind,
          severity: action.severity,
          message: action.message,
          ...(action.reason ? { reason: action.reason } : {}),
        });
      } catch (error) {
        log.warn(
          { err: errorMessage(error), kind: action.kind },
          "notification failed",
        );
      }
    }
  }
}

function record(
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
async function reportInvalid(
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
async function releaseFinalizer(
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
