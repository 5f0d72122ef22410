// Gathers what the decision core needs from the caches: the target's revision, tracked configs, and the
// readiness of the primary and the canary. Reads only. It records what the Canary uses (the ConfigMaps
// and Secrets its target mounts, the Secrets its templates and alerts read), so the caches fetch those
// whole and a change to them wakes this Canary; while one is still being fetched, the result is
// "pending" and the Canary is woken when it arrives.
import type { V1Deployment } from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { Issue, ResolvedSpec } from "../api/resolve.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import type { Observations } from "../analysis/types.ts";
import { contentHash } from "../util/hash.ts";
import type { SiskinError } from "../util/errors.ts";
import {
  primaryCopiesIn,
  referencedConfigs,
  trackedConfigs,
  type TrackedConfigs,
} from "../workloads/configs.ts";
import { revisionAnnotation, type Selector } from "../workloads/desired.ts";
import {
  previousName,
  primaryName,
  selectorLabel,
} from "../workloads/names.ts";
import { deploymentReadiness } from "../workloads/readiness.ts";
import { canaryKey, type Caches } from "./caches.ts";
import { lookup, lookupAlertProvider, secretRefusal } from "./lookups.ts";

export interface Observed {
  target: V1Deployment;
  primary: V1Deployment | undefined;
  selector: Selector;
  tracked: TrackedConfigs;
  observations: Observations;
}

export type ObserveResult =
  | { ok: true; observed: Observed }
  | { ok: false; issues: Issue[] }
  /** Something the Canary uses is still being fetched; it is woken when it arrives. */
  | { ok: "pending"; what: string };

export interface ObserveOptions {
  selectorLabels: readonly string[];
  configTracking: boolean;
  /** The canary's weight as the router splits traffic now (Router.routedCanaryWeight). */
  routedCanaryWeight?: () => number | undefined;
  /** Each router's routed canary weight, with several (or a retired one); see Observations.gatewayWeights. */
  gatewayWeights?: () =>
    { router: string; canaryWeight?: number }[] | undefined;
}

/** The target's revision: its pod template plus the checksums of the configs it uses. */
export function targetRevision(
  target: V1Deployment,
  checksums: Record<string, string>,
): string {
  // JSON round trip: the same template hashes the same however it was read.
  const template = JSON.parse(
    JSON.stringify(target.spec?.template ?? {}),
  ) as unknown;
  return contentHash({ template, configs: checksums });
}

/** A Secret a MetricTemplate or alert provider reads, with the Canary field that leads to it. */
interface ProviderSecret {
  key: string;
  path: string;
  who: string;
}

/** Secrets the Canary's MetricTemplates and alerts read. */
function secretsOfTemplatesAndAlerts(
  canary: Canary,
  spec: ResolvedSpec,
  caches: Caches,
): ProviderSecret[] {
  const found: ProviderSecret[] = [];
  spec.metrics.forEach((m, i) => {
    if (!m.templateRef) return;
    const template = caches.metricTemplates.get(
      m.templateRef.name,
      m.templateRef.namespace,
    ) as { spec?: MetricTemplateSpec } | undefined;
    const secret = template?.spec?.provider.secretRef?.name;
    if (secret)
      found.push({
        key: `${m.templateRef.namespace}/${secret}`,
        path: `spec.analysis.metrics[${i}].templateRef`,
        who: `MetricTemplate ${m.templateRef.namespace}/${m.templateRef.name}`,
      });
  });
  (canary.spec.analysis.alerts ?? []).forEach((alert, i) => {
    const ns = alert.providerRef.namespace || canary.metadata.namespace;
    const secret = lookupAlertProvider(caches, ns, alert.providerRef.name)
      ?.secretRef?.name;
    if (secret)
      found.push({
        key: `${ns}/${secret}`,
        path: `spec.analysis.alerts[${i}].providerRef`,
        who: `AlertProvider ${ns}/${alert.providerRef.name}`,
      });
  });
  return found;
}

function isLoading(
  store: Parameters<typeof lookup>[0],
  objectKey: string,
): boolean {
  const at = objectKey.indexOf("/");
  return (
    lookup(store, objectKey.slice(0, at), objectKey.slice(at + 1)).state ===
    "loading"
  );
}

/**
 * A Gateway API route named after the apex that the cache is still fetching whole (it was not used until
 * now): writing before it arrives would take a user's route for absent and replace it.
 */
function routeBeingFetched(
  canary: Canary,
  spec: ResolvedSpec,
  caches: Caches,
): string | undefined {
  if (!spec.routers.some((r) => r.startsWith("gatewayapi:"))) return undefined;
  const store = spec.grpc ? caches.grpcRoutes : caches.httpRoutes;
  if (!store) return undefined;
  return lookup(store, canary.metadata.namespace, spec.apexName).state ===
    "loading"
    ? `${spec.grpc ? "GRPCRoute" : "HTTPRoute"} ${spec.apexName}`
    : undefined;
}

export function observe(
  canary: Canary,
  spec: ResolvedSpec,
  caches: Caches,
  options: ObserveOptions,
): ObserveResult {
  const ns = canary.metadata.namespace;
  const key = canaryKey(ns, canary.metadata.name);
  const found = lookup(caches.deployments, ns, spec.targetName);
  if (found.state === "loading")
    return { ok: "pending", what: `Deployment ${spec.targetName}` };
  if (found.state === "absent") {
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
  const target = found.object;
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
  const upstreamRef = canary.spec.upstreamRef;
  if (upstreamRef && caches.upstreams) {
    const upstream = lookup(
      caches.upstreams,
      upstreamRef.namespace ?? ns,
      upstreamRef.name,
    );
    if (upstream.state === "loading")
      return { ok: "pending", what: `Upstream ${upstreamRef.name}` };
    if (upstream.state === "absent")
      return {
        ok: false,
        issues: [
          {
            path: "spec.upstreamRef",
            message: `Upstream ${upstreamRef.namespace ?? ns}/${upstreamRef.name} not found; create it or remove upstreamRef`,
          },
        ],
      };
  }
  const route = routeBeingFetched(canary, spec, caches);
  if (route) return { ok: "pending", what: route };
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

  const refs = options.configTracking
    ? referencedConfigs(target.spec?.template?.spec)
    : { configMaps: new Set<string>(), secrets: new Set<string>() };
  // With analysis.bake a promotion keeps the -primary copies as -previous and a revert puts them
  // back: both are held whole.
  const withCopies = (names: Set<string>) =>
    [...names].flatMap((n) =>
      spec.bake
        ? [`${ns}/${n}`, `${ns}/${n}-primary`, `${ns}/${n}-previous`]
        : [`${ns}/${n}`],
    );
  const configMapKeys = withCopies(refs.configMaps);
  caches.uses.set(key, "configMap", configMapKeys);
  const providerSecrets = secretsOfTemplatesAndAlerts(canary, spec, caches);
  const secretKeys = [
    ...withCopies(refs.secrets),
    ...providerSecrets.map((p) => p.key),
  ];
  caches.uses.set(key, "secret", secretKeys);
  const loading = [
    ...configMapKeys.filter((k) => isLoading(caches.configMaps, k)),
    ...secretKeys.filter((k) => isLoading(caches.secrets, k)),
  ];
  if (loading.length > 0) return { ok: "pending", what: loading.join(", ") };
  const refused = providerSecrets.flatMap((p) => {
    const at = p.key.indexOf("/");
    const message = secretRefusal(
      caches.secrets.get(p.key.slice(at + 1), p.key.slice(0, at)),
      p.who,
    );
    return message ? [{ path: p.path, message }] : [];
  });
  if (refused.length > 0) return { ok: false, issues: refused };
  const tracked = trackedConfigs(refs, {
    configMap: (name) => caches.configMaps.get(name, ns),
    secret: (name) => caches.secrets.get(name, ns),
  });

  const primaryFound = lookup(
    caches.deployments,
    ns,
    primaryName(spec.targetName),
  );
  if (primaryFound.state === "loading")
    return {
      ok: "pending",
      what: `Deployment ${primaryName(spec.targetName)}`,
    };
  const primary =
    primaryFound.state === "ready" ? primaryFound.object : undefined;
  const previousFound = lookup(
    caches.deployments,
    ns,
    previousName(spec.targetName),
  );
  const previous =
    previousFound.state === "ready" ? previousFound.object : undefined;
  const routed = options.routedCanaryWeight?.();
  const gatewayWeights = options.gatewayWeights?.();
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
        ...(previous
          ? {
              previousPods: {
                available: previous.status?.availableReplicas ?? 0,
                ...(previous.metadata?.annotations?.[revisionAnnotation]
                  ? {
                      revision:
                        previous.metadata.annotations[revisionAnnotation],
                    }
                  : {}),
              },
            }
          : {}),
        ...(primary?.spec?.template
          ? {
              primaryConfigCopies: primaryCopiesIn(
                primary.spec.template.spec,
                tracked.checksums,
              ),
              primaryTemplate: primary.spec.template as unknown as Record<
                string,
                unknown
              >,
            }
          : {}),
        // The kubernetes provider has no router objects (its Services are re-asserted at
        // initialization and promotion), so there is nothing for an idle Canary to re-assert.
        routerWatched:
          spec.provider === "kubernetes" ||
          (caches.routeTables !== undefined && caches.upstreams !== undefined),
        ...(routed !== undefined ? { routedCanaryWeight: routed } : {}),
        ...(gatewayWeights ? { gatewayWeights } : {}),
      },
    },
  };
}
