// The objects Siskin owns for a Canary, built as plain data from the target and the resolved spec.
// Applying them (server-side apply) is idempotent, so every reconcile can re-assert them.
import type {
  V1ConfigMap,
  V1Deployment,
  V2HorizontalPodAutoscaler,
  V1Secret,
  V1Service,
} from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { withPrimaryConfigRefs, type TrackedConfigs } from "./configs.ts";
import {
  canaryServiceName,
  copiedLabels,
  ownedBy,
  primaryName,
  primaryServiceName,
} from "./names.ts";

export interface Selector {
  key: string;
  value: string;
}

export interface PrimaryInput {
  canary: Canary;
  target: V1Deployment;
  selector: Selector;
  tracked: TrackedConfigs;
  /** The primary's current replicas, kept so an HPA's choice is not overwritten; undefined on creation. */
  currentReplicas: number | undefined;
  includeLabelPrefix: readonly string[];
  /** The target revision being copied, recorded on the primary so promotion can wait for it. */
  revision: string;
}

/** Pod template annotation of a reverted primary whose config copies were restored: makes its pods restart. */
export const restartedAtAnnotation = "siskin.dev/restartedAt";

/** Annotation on the primary naming the target revision it runs. */
export const revisionAnnotation = "siskin.dev/revision";

/** The primary: the target's pod template under `<label>: <value>-primary`, using -primary config copies. */
export function primaryDeployment(input: PrimaryInput): V1Deployment {
  const { canary, target, selector, tracked } = input;
  const primaryLabel = `${selector.value}-primary`;
  const template = structuredClone(target.spec?.template ?? {});
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [selector.key]: primaryLabel },
  };
  if (template.spec)
    template.spec = withPrimaryConfigRefs(template.spec, tracked);
  const spec = target.spec;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: primaryName(target.metadata?.name ?? ""),
      namespace: canary.metadata.namespace,
      labels: {
        ...copiedLabels(target.metadata?.labels, input.includeLabelPrefix),
        [selector.key]: primaryLabel,
      },
      annotations: { [revisionAnnotation]: input.revision },
      ownerReferences: ownedBy(canary),
    },
    spec: {
      replicas: input.currentReplicas ?? (spec?.replicas || 1),
      selector: { matchLabels: { [selector.key]: primaryLabel } },
      template: template as NonNullable<V1Deployment["spec"]>["template"],
      ...(spec?.strategy ? { strategy: spec.strategy } : {}),
      ...(spec?.minReadySeconds !== undefined
        ? { minReadySeconds: spec.minReadySeconds }
        : {}),
      ...(spec?.revisionHistoryLimit !== undefined
        ? { revisionHistoryLimit: spec.revisionHistoryLimit }
        : {}),
      ...(spec?.progressDeadlineSeconds !== undefined
        ? { progressDeadlineSeconds: spec.progressDeadlineSeconds }
        : {}),
    },
  };
}

/**
 * service.unmanagedMetadata: keys Siskin leaves to other tools. Server-side apply already keeps what
 * other managers set; leaving the keys out of what Siskin applies means it never takes them over.
 */
function without(
  values: Record<string, string> | undefined,
  unmanaged: readonly string[] | undefined,
): Record<string, string> {
  const kept = { ...values };
  for (const key of unmanaged ?? []) delete kept[key];
  return kept;
}

type ServiceMeta =
  | { labels?: Record<string, string>; annotations?: Record<string, string> }
  | undefined;

/** One generated Service: the Canary's port, selecting `<label>: <selectorValue>`. */
export function generatedService(
  canary: Canary,
  spec: ResolvedSpec,
  selectorKey: string,
  name: string,
  selectorValue: string,
  meta: ServiceMeta,
): V1Service {
  const svc = canary.spec.service;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: canary.metadata.namespace,
      labels: {
        ...without(meta?.labels, svc.unmanagedMetadata?.labels),
        [selectorKey]: selectorValue,
      },
      ...(meta?.annotations
        ? {
            annotations: without(
              meta.annotations,
              svc.unmanagedMetadata?.annotations,
            ),
          }
        : {}),
      ownerReferences: ownedBy(canary),
    },
    spec: {
      type: "ClusterIP",
      // Flagger's service.headless: every generated Service without a cluster IP (immutable once made).
      ...(svc.headless ? { clusterIP: "None" } : {}),
      ...(svc.trafficDistribution
        ? { trafficDistribution: svc.trafficDistribution }
        : {}),
      selector: { [selectorKey]: selectorValue },
      ports: [
        {
          name: spec.portName,
          port: spec.port,
          targetPort: spec.targetPort as never,
          protocol: "TCP",
          ...(svc.appProtocol ? { appProtocol: svc.appProtocol } : {}),
        },
      ],
    },
  };
}

/**
 * apex (-> primary pods), <apex>-primary (-> primary pods) and <apex>-canary (-> target pods). While a
 * revert moves traffic to the warm previous pods (servingPrevious), the apex and -canary select those:
 * every router sends the canary's weight to -canary, and the kubernetes provider serves the apex.
 */
export function services(
  canary: Canary,
  spec: ResolvedSpec,
  selector: Selector,
  servingPrevious = false,
): V1Service[] {
  const svc = canary.spec.service;
  const primaryValue = `${selector.value}-primary`;
  const previousValue = `${selector.value}-previous`;
  const make = (name: string, value: string, meta: ServiceMeta) =>
    generatedService(canary, spec, selector.key, name, value, meta);
  return [
    make(
      spec.apexName,
      servingPrevious ? previousValue : primaryValue,
      svc.apex,
    ),
    make(primaryServiceName(spec.apexName), primaryValue, svc.primary),
    make(
      canaryServiceName(spec.apexName),
      servingPrevious ? previousValue : selector.value,
      svc.canary,
    ),
  ];
}

/** `<hpa>-primary`: the target HPA's bounds, metrics and behaviour, scaling the primary. */
export function primaryHpa(
  canary: Canary,
  hpa: V2HorizontalPodAutoscaler,
  targetName: string,
): V2HorizontalPodAutoscaler {
  const overrides = canary.spec.autoscalerRef?.primaryScalerReplicas;
  const spec = hpa.spec;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: {
      name: primaryName(hpa.metadata?.name ?? ""),
      namespace: canary.metadata.namespace,
      ...(hpa.metadata?.labels ? { labels: hpa.metadata.labels } : {}),
      ownerReferences: ownedBy(canary),
    },
    spec: {
      ...structuredClone(spec),
      scaleTargetRef: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: primaryName(targetName),
      },
      minReplicas: overrides?.minReplicas ?? spec?.minReplicas,
      maxReplicas: overrides?.maxReplicas ?? spec?.maxReplicas ?? 1,
    } as NonNullable<V2HorizontalPodAutoscaler["spec"]>,
  };
}

/** `<name>-primary` copies of the tracked ConfigMaps and Secrets. */
export function configCopies(
  canary: Canary,
  tracked: TrackedConfigs,
): (V1ConfigMap | V1Secret)[] {
  return [
    ...tracked.configMaps.map((c) =>
      configCopy(canary, "ConfigMap", c, `${c.metadata?.name}-primary`),
    ),
    ...tracked.secrets.map((s) =>
      configCopy(canary, "Secret", s, `${s.metadata?.name}-primary`),
    ),
  ];
}

/** A copy of a ConfigMap or Secret under another name, owned by the Canary. */
export function configCopy(
  canary: Canary,
  kind: "ConfigMap" | "Secret",
  source: V1ConfigMap | V1Secret,
  name: string,
): V1ConfigMap | V1Secret {
  const metadata = {
    name,
    namespace: canary.metadata.namespace,
    ...(source.metadata?.labels ? { labels: source.metadata.labels } : {}),
    ownerReferences: ownedBy(canary),
  };
  if (kind === "Secret") {
    const secret = source as V1Secret;
    return {
      apiVersion: "v1",
      kind: "Secret",
      metadata,
      ...(secret.type ? { type: secret.type } : {}),
      ...(secret.data ? { data: secret.data } : {}),
    };
  }
  const configMap = source as V1ConfigMap;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata,
    ...(configMap.data ? { data: configMap.data } : {}),
    ...(configMap.binaryData ? { binaryData: configMap.binaryData } : {}),
  };
}
