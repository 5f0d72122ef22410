// Reads of what Canaries reference, from the caches: MetricTemplates, Secrets (decoded only when a check
// or a notification needs them), AlertProviders and a user's Upstream. A stub in the cache (an object
// not yet held whole) reads as "loading", never as "missing".
import type { V1Secret } from "@kubernetes/client-node";
import { SiskinError } from "../util/errors.ts";
import type {
  AlertProviderSpec,
  MetricTemplateSpec,
} from "../api/templates.ts";
import { isStub, type StoredObject } from "../kube/reflector.ts";
import type { TemplateLookups } from "../metrics/checks.ts";
import type { KubeGet } from "../metrics/providers/externalmetrics.ts";
import { KubeApiError } from "../kube/client/errors.ts";
import type { KubeClient } from "../kube/client/http.ts";
import type { Caches } from "./caches.ts";

export type Lookup<T> =
  { state: "ready"; object: T } | { state: "loading" } | { state: "absent" };

/** One object from a store, as ready, loading (only a stub is held yet) or absent. */
export function lookup<T extends StoredObject>(
  store: { get(name: string, namespace?: string): T | undefined },
  namespace: string,
  name: string,
): Lookup<T> {
  const held = store.get(name, namespace);
  if (!held) return { state: "absent" };
  if (isStub(held)) return { state: "loading" };
  return { state: "ready", object: held };
}

/**
 * Secret types a MetricTemplate or AlertProvider may not read: a ServiceAccount token would be sent to
 * the provider's address, which whoever may create a template chooses.
 */
const forbiddenSecretTypes = ["kubernetes.io/service-account-token"];

/** Why a Secret may not back a template or alert provider, or undefined when it may. */
export function secretRefusal(
  secret: (V1Secret & StoredObject) | undefined,
  who: string,
): string | undefined {
  if (!secret || isStub(secret)) return undefined;
  if (!forbiddenSecretTypes.includes(secret.type ?? "")) return undefined;
  const { namespace, name } = secret.metadata ?? {};
  return `${who} names Secret ${namespace}/${name} of type ${secret.type}: a ServiceAccount token is never sent to a provider; put the credentials in a Secret of type Opaque`;
}

/** MetricTemplates and Secrets for checks and the provider probe. */
export function templateLookups(caches: Caches): TemplateLookups {
  return {
    kube: externalMetricsGet(caches.client),
    lookupTemplate: (ns, name) =>
      (
        caches.metricTemplates.get(name, ns) as
          { spec?: MetricTemplateSpec } | undefined
      )?.spec,
    lookupSecret: (ns, name) => {
      const secret = caches.secrets.get(name, ns);
      const refused = secretRefusal(secret, "secretRef");
      if (refused) throw new SiskinError("INVALID_SPEC", refused);
      return decodeSecret(secret);
    },
  };
}

export function lookupAlertProvider(
  caches: Caches,
  namespace: string,
  name: string,
): AlertProviderSpec | undefined {
  return (
    caches.alertProviders.get(name, namespace) as
      { spec?: AlertProviderSpec } | undefined
  )?.spec;
}

/** A Gloo object's spec from its cache, when Gloo's objects are watched and this one is held whole. */
function glooSpec(
  reflector: Caches["upstreams"],
  namespace: string,
  name: string,
): Record<string, unknown> | undefined {
  const found = reflector ? lookup(reflector, namespace, name) : undefined;
  return found?.state === "ready" ? (found.object.spec ?? {}) : undefined;
}

/** A user's Upstream spec (upstreamRef). */
export const lookupUpstream = (
  caches: Caches,
  namespace: string,
  name: string,
) => glooSpec(caches.upstreams, namespace, name);

/** A RouteTable's spec (what the router reads back of its own split). */
export const lookupRouteTable = (
  caches: Caches,
  namespace: string,
  name: string,
) => glooSpec(caches.routeTables, namespace, name);

/** A Gateway API route as the cache holds it (metadata and spec), when it is held whole. */
export function lookupRoute(
  caches: Caches,
  kind: "HTTPRoute" | "GRPCRoute",
  namespace: string,
  name: string,
): Record<string, unknown> | undefined {
  const reflector =
    kind === "HTTPRoute" ? caches.httpRoutes : caches.grpcRoutes;
  const found = reflector ? lookup(reflector, namespace, name) : undefined;
  return found?.state === "ready"
    ? (found.object as unknown as Record<string, unknown>)
    : undefined;
}

/** A Secret's data, base64-decoded; never logged. Undefined while only a stub is held. */
function decodeSecret(
  secret: (V1Secret & StoredObject) | undefined,
): Record<string, string> | undefined {
  if (!secret || isStub(secret)) return undefined;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = Buffer.from(value, "base64").toString("utf8");
  return data;
}

/**
 * The external metrics API through the operator's API server. Its refusals are worded for the fix: a
 * 403 means the chart does not grant get on that metric name, a 404 or 503 that no adapter serves it.
 */
function externalMetricsGet(client: KubeClient): KubeGet {
  return async (path, query, signal) => {
    try {
      return await client.request({ method: "GET", path, query, signal });
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      const metric = path.split("/").at(-1);
      const fix =
        error.statusCode === 403
          ? `the operator may not read external metric ${metric}: list it in the chart's externalMetrics.metrics`
          : error.statusCode === 404 || error.statusCode === 503
            ? "no metrics adapter serves external.metrics.k8s.io/v1beta1 (KEDA, the Datadog cluster agent, ...): install one or set the MetricTemplate's address"
            : error.message;
      throw new SiskinError(
        "PROVIDER_QUERY",
        `external metrics API (HTTP ${error.statusCode}): ${fix}`,
        { cause: error },
      );
    }
  };
}
