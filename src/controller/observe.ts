// Gathers what the decision core needs from the informer caches: the target's revision, tracked
// configs, and readiness of the primary and the canary. Reads only; no writes, no API calls.
import type { V1Deployment } from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { Issue, ResolvedSpec } from "../api/resolve.ts";
import type { Observations } from "../analysis/types.ts";
import { contentHash } from "../util/hash.ts";
import {
  referencedConfigs,
  trackedConfigs,
  type TrackedConfigs,
} from "../workloads/configs.ts";
import type { Selector } from "../workloads/desired.ts";
import { primaryName, selectorLabel } from "../workloads/names.ts";
import { deploymentReadiness } from "../workloads/readiness.ts";
import { revisionAnnotation } from "../workloads/desired.ts";
import type { SiskinError } from "../util/errors.ts";
import type { Caches } from "./caches.ts";

export interface Observed {
  target: V1Deployment;
  primary: V1Deployment | undefined;
  selector: Selector;
  tracked: TrackedConfigs;
  observations: Observations;
}

export type ObserveResult =
  { ok: true; observed: Observed } | { ok: false; issues: Issue[] };

export interface ObserveOptions {
  selectorLabels: readonly string[];
  configTracking: boolean;
}

/** The target's revision: its pod template plus the checksums of the configs it uses. */
export function targetRevision(
  target: V1Deployment,
  checksums: Record<string, string>,
): string {
  // JSON round trip: list results carry Date objects where watch events carry strings.
  const template = JSON.parse(
    JSON.stringify(target.spec?.template ?? {}),
  ) as unknown;
  return contentHash({ template, configs: checksums });
}

export function observe(
  canary: Canary,
  spec: ResolvedSpec,
  caches: Caches,
  options: ObserveOptions,
): ObserveResult {
  const ns = canary.metadata.namespace;
  const target = caches.deployments.get(spec.targetName, ns);
  if (!target) {
    return {
      ok: false,
      issues: [
        {
          path: "spec.targetRef.name",
          message: `Deployment ${ns}/${spec.targetName} not found; create it or fix targetRef.name`,
        },
      ],
    };
  }
  const missingTemplates = spec.metrics.flatMap((m, i) =>
    m.templateRef &&
    !caches.metricTemplates.get(m.templateRef.name, m.templateRef.namespace)
      ? [
          {
            path: `spec.analysis.metrics[${i}].templateRef`,
            message: `MetricTemplate ${m.templateRef.namespace}/${m.templateRef.name} not found; create it or fix templateRef`,
          },
        ]
      : [],
  );
  if (missingTemplates.length > 0)
    return { ok: false, issues: missingTemplates };
  let selector: Selector;
  try {
    selector = selectorLabel(target, options.selectorLabels);
  } catch (error) {
    return {
      ok: false,
      issues: [
        {
          path: "spec.targetRef.name",
          message: (error as SiskinError).message,
        },
      ],
    };
  }
  const empty: TrackedConfigs = { configMaps: [], secrets: [], checksums: {} };
  const tracked = options.configTracking
    ? trackedConfigs(referencedConfigs(target.spec?.template?.spec), {
        configMap: (name) => caches.configMaps.get(name, ns),
        secret: (name) => caches.secrets.get(name, ns),
      })
    : empty;
  const primary = caches.deployments.get(primaryName(spec.targetName), ns);
  const primaryReadiness = deploymentReadiness(
    primary,
    spec.primaryReadyThreshold,
  );
  return {
    ok: true,
    observed: {
      target,
      primary,
      selector,
      tracked,
      observations: {
        targetRevision: targetRevision(target, tracked.checksums),
        trackedConfigs: tracked.checksums,
        primary: {
          ...primaryReadiness,
          exists: primary !== undefined,
          ...(primary?.metadata?.annotations?.[revisionAnnotation]
            ? { revision: primary.metadata.annotations[revisionAnnotation] }
            : {}),
        },
        canary: deploymentReadiness(target, spec.canaryReadyThreshold),
      },
    },
  };
}
