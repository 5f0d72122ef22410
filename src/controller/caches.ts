// The operator's view of the cluster: one reflector per resource, holding whole only what Canaries use
// (memory follows the canaries, not the cluster), and waking only the Canaries a change concerns
// (watch, don't poll; an idle fleet costs nothing).
import { canaryKey, flaggerApiVersion } from "../api/identity.ts";
import type {
  V1ConfigMap,
  V1Deployment,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { servedResources, type Discovery } from "./discovery.ts";
import { resourceOf, resourcePath } from "../kube/client/resources.ts";
import {
  Reflector,
  type StoredObject,
  type StoreEvent,
} from "../kube/reflector.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { stableStringify } from "../util/hash.ts";
import { slimCanary, slimService } from "./slim.ts";
import { UseIndex, type UseKind } from "./uses.ts";

/** A namespaced flagger.app object (MetricTemplate, AlertProvider); its spec is read where used. */
export type FlaggerObject = StoredObject & {
  metadata: { name: string; namespace: string };
  spec?: unknown;
};

/** A Gloo object Siskin writes or copies settings from. */
export type GlooObject = StoredObject & { spec?: Record<string, unknown> };

export interface Caches {
  /** The client the reflectors use (also for reads no cache holds: the external metrics API). */
  client: KubeClient;
  canaries: Reflector<Canary & StoredObject>;
  metricTemplates: Reflector<FlaggerObject>;
  alertProviders: Reflector<FlaggerObject>;
  deployments: Reflector<V1Deployment & StoredObject>;
  hpas: Reflector<V2HorizontalPodAutoscaler & StoredObject>;
  configMaps: Reflector<V1ConfigMap & StoredObject>;
  secrets: Reflector<V1Secret & StoredObject>;
  /** Undefined when the cluster has no Gloo CRDs. */
  upstreams: Reflector<GlooObject> | undefined;
  routeTables: Reflector<GlooObject> | undefined;
  /** Undefined when the cluster does not serve Gateway API's v1 routes. */
  httpRoutes: Reflector<GlooObject> | undefined;
  grpcRoutes: Reflector<GlooObject> | undefined;
  uses: UseIndex;
  /** The store holding objects of a kind (Deployment, RouteTable, ...), if the operator watches it. */
  storeOf(kind: string): Reflector<StoredObject> | undefined;
  /** Keeps the API server's answer to a write, so the next comparison sees it without a read. */
  remember(object: Record<string, unknown>): void;
  /** Every reflector's restarts, for the Recorder. */
  restarts(): Record<string, number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
}

export { canaryKey };

export interface CacheOptions {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  /** Watch one namespace only (--namespace), or all. */
  namespace?: string;
  /** Called with the key of each Canary affected by a change. */
  enqueue: (key: string, reason: string) => void;
  /** Called when a Canary is gone (its timers and backoff can be dropped). */
  forget?: (key: string) => void;
  /** --mesh-provider: the router of a Canary that names none. */
  defaultProvider?: string;
  /** --watch-idle-timeout (default: three bookmark intervals). */
  watchIdleTimeoutMs?: number;
  /** Told of every watch event of every cache (the idle heap compaction counts them). */
  onWatchEvent?: () => void;
}

type Meta = {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; apiVersion?: string }[];
};
const metaOf = (o: StoredObject | undefined): Meta =>
  (o?.metadata ?? {}) as Meta;
/** A reflector of any object type, for the loops that treat them alike. */
type AnyReflector = Reflector<StoredObject>;
const any = <T extends StoredObject>(r: Reflector<T>): AnyReflector =>
  r as unknown as AnyReflector;
const splitKey = (key: string): [string, string] => {
  const at = key.indexOf("/");
  return [key.slice(0, at), key.slice(at + 1)];
};

/** The Canary owning a generated object, from its controller reference. */
function owningCanary(meta: Meta): string | undefined {
  const owner = meta.ownerReferences?.find(
    (o) => o.kind === "Canary" && o.apiVersion?.startsWith("flagger.app/"),
  );
  return owner?.name;
}

/** Generated objects (Services, Gloo objects) are held whole when a Canary owns them. */
const ownedByCanary = (meta: Record<string, unknown> | undefined): boolean =>
  meta !== undefined && owningCanary(meta as Meta) !== undefined;

export async function createCaches(options: CacheOptions): Promise<Caches> {
  const { client, namespace: ns } = options;
  const path = (apiVersion: string, kind: string) =>
    resourcePath(resourceOf(apiVersion, kind), ns ? { namespace: ns } : {});
  const base = {
    client,
    clock: options.clock,
    logger: options.logger,
    ...(options.watchIdleTimeoutMs
      ? { watchIdleTimeoutMs: options.watchIdleTimeoutMs }
      : {}),
    ...(options.onWatchEvent ? { onWatchEvent: options.onWatchEvent } : {}),
  };

  const reflectors = new Map<UseKind, AnyReflector>();
  const uses = new UseIndex((kind, key) => {
    const [namespace, name] = splitKey(key);
    reflectors.get(kind)?.reconsider(namespace, name);
    if (kind === "route") {
      httpRoutes?.reconsider(namespace, name);
      grpcRoutes?.reconsider(namespace, name);
    }
  }, options.defaultProvider);
  const keep = (kind: UseKind) => (namespace: string, name: string) =>
    uses.isUsed(kind, namespace, name);
  const wake = (kind: UseKind, o: StoredObject, why: string) => {
    const { namespace = "", name = "" } = metaOf(o);
    for (const user of uses.usersOf(kind, namespace, name))
      options.enqueue(user, `${why} ${name} changed`);
  };

  const canaries = new Reflector<Canary & StoredObject>({
    ...base,
    path: path(flaggerApiVersion, "Canary"),
    transform: slimCanary,
  });
  canaries.on(({ verb, object }) => {
    const key = canaryKey(object.metadata.namespace, object.metadata.name);
    if (verb === "delete") {
      uses.remove(key);
      options.forget?.(key);
    } else uses.setFromSpec(key, object);
    options.enqueue(key, `canary ${verb}`);
  });

  const deployments = new Reflector<V1Deployment & StoredObject>({
    ...base,
    path: path("apps/v1", "Deployment"),
    keep: keep("deployment"),
  });
  const hpas = new Reflector<V2HorizontalPodAutoscaler & StoredObject>({
    ...base,
    path: path("autoscaling/v2", "HorizontalPodAutoscaler"),
    keep: keep("hpa"),
  });
  // ConfigMaps and Secrets: metadata only, so unrelated ones never bring their data.
  const configMaps = new Reflector<V1ConfigMap & StoredObject>({
    ...base,
    path: path("v1", "ConfigMap"),
    metadataOnly: true,
    keep: keep("configMap"),
  });
  const secrets = new Reflector<V1Secret & StoredObject>({
    ...base,
    path: path("v1", "Secret"),
    metadataOnly: true,
    keep: keep("secret"),
  });
  // Services: the ones Siskin generates are held, so a write of a Service the cache already holds as
  // desired is skipped (a promotion re-asserts all three on every reconcile while the primary rolls
  // out: at 300 promotions at once, ~1,900 no-op applies), and a change by anyone else wakes the
  // owning Canary, which restores it.
  const services = new Reflector<V1Service & StoredObject>({
    ...base,
    path: path("v1", "Service"),
    keep: (_namespace, _name, meta) => ownedByCanary(meta),
    transform: slimService,
  });
  const metricTemplates = new Reflector<FlaggerObject>({
    ...base,
    path: path(flaggerApiVersion, "MetricTemplate"),
  });
  // AlertProviders are read when a notification is sent; no reconcile depends on them.
  const alertProviders = new Reflector<FlaggerObject>({
    ...base,
    path: path(flaggerApiVersion, "AlertProvider"),
  });
  for (const [kind, reflector, why] of [
    ["deployment", any(deployments), "deployment"],
    ["hpa", any(hpas), "hpa"],
    ["configMap", any(configMaps), "configmap"],
    ["secret", any(secrets), "secret"],
    ["metricTemplate", any(metricTemplates), "metrictemplate"],
  ] as [UseKind, AnyReflector, string][]) {
    reflectors.set(kind, reflector);
    reflector.on(({ object }) => wake(kind, object, why));
  }

  const discovery = { client, clock: options.clock, logger: options.logger };
  const gloo = await hasGlooCrds(discovery);
  const upstreams = gloo
    ? glooReflector(base, path("gloo.solo.io/v1", "Upstream"), uses, "upstream")
    : undefined;
  const routeTables = gloo
    ? glooReflector(base, path("gateway.solo.io/v1", "RouteTable"), uses)
    : undefined;
  if (upstreams) reflectors.set("upstream", upstreams);
  // Gateway API routes: held whole when a Canary owns them or is named after them (a user's route).
  const gateway = await servesGatewayApi(discovery);
  const routeReflector = (plural: string) =>
    new Reflector<GlooObject>({
      ...base,
      path: resourcePath(
        {
          group: "gateway.networking.k8s.io",
          version: "v1",
          plural,
          namespaced: true,
        },
        ns ? { namespace: ns } : {},
      ),
      keep: (namespace, name, meta) =>
        ownedByCanary(meta) || uses.isUsed("route", namespace, name),
    });
  const httpRoutes = gateway ? routeReflector("httproutes") : undefined;
  const grpcRoutes = gateway ? routeReflector("grpcroutes") : undefined;
  for (const reflector of [httpRoutes, grpcRoutes])
    reflector?.on((event) => {
      if (!setFieldsChanged(event)) return;
      wakeOwner(event, "route changed");
      wake("route", event.object, "route");
    });
  const wakeOwner = (event: StoreEvent<StoredObject>, why: string) => {
    const meta = metaOf(event.object);
    const owner = owningCanary(meta) ?? owningCanary(metaOf(event.previous));
    if (owner) options.enqueue(canaryKey(meta.namespace ?? "", owner), why);
  };
  const glooReflectors = [upstreams, routeTables];
  for (const reflector of glooReflectors) {
    reflector?.on((event) => {
      if (!setFieldsChanged(event)) return;
      wakeOwner(event, "router object changed");
      wake("upstream", event.object, "upstream");
    });
  }
  services.on((event) => {
    if (setFieldsChanged(event)) wakeOwner(event, "service changed");
  });

  const byKind = new Map<string, AnyReflector>([
    ["Canary", any(canaries)],
    ["Deployment", any(deployments)],
    ["HorizontalPodAutoscaler", any(hpas)],
    ["ConfigMap", any(configMaps)],
    ["Secret", any(secrets)],
    ["Service", any(services)],
    ["MetricTemplate", any(metricTemplates)],
    ["AlertProvider", any(alertProviders)],
  ]);
  if (upstreams) byKind.set("Upstream", any(upstreams));
  if (routeTables) byKind.set("RouteTable", any(routeTables));
  if (httpRoutes) byKind.set("HTTPRoute", any(httpRoutes));
  if (grpcRoutes) byKind.set("GRPCRoute", any(grpcRoutes));
  const all = [...byKind.values()];
  const dependencies = all.filter((r) => r !== any(canaries));
  return {
    client,
    canaries,
    metricTemplates,
    alertProviders,
    deployments,
    hpas,
    configMaps,
    secrets,
    upstreams,
    routeTables,
    httpRoutes,
    grpcRoutes,
    uses,
    storeOf: (kind) => byKind.get(kind),
    remember: (object) => byKind.get(String(object.kind))?.remember(object),
    restarts: () =>
      Object.fromEntries(
        [
          ...byKind.entries(),
          ["Canary", canaries],
          ["MetricTemplate", metricTemplates],
          ["AlertProvider", alertProviders],
        ].map(([kind, r]) => [kind, (r as Reflector<StoredObject>).restarts]),
      ),
    // Canaries first: what they use decides which dependencies are held whole from the first list.
    start: async () => {
      await canaries.start();
      await Promise.all(dependencies.map((r) => r.start()));
    },
    stop: async () => {
      await Promise.all(all.map((r) => r.stop()));
    },
    synced: () => all.every((r) => r.synced()),
  };
}

/** Gloo objects: held whole when a Canary owns them or its upstreamRef names them. */
function glooReflector(
  base: { client: KubeClient; clock: Clock; logger: Logger },
  path: string,
  uses: UseIndex,
  referencedAs?: UseKind,
): Reflector<GlooObject> {
  return new Reflector<GlooObject>({
    ...base,
    path,
    keep: (namespace, name, meta) =>
      ownedByCanary(meta) ||
      (referencedAs !== undefined &&
        uses.isUsed(referencedAs, namespace, name)),
  });
}

/**
 * Only changes of what Siskin sets matter for the objects it generates: Gloo writes statuses of its
 * own, and each update bumps the resourceVersion.
 */
function setFieldsChanged(event: StoreEvent<StoredObject>): boolean {
  if (event.verb !== "update") return true;
  const set = (o: StoredObject | undefined) => {
    const meta = metaOf(o);
    return stableStringify({
      spec: (o as { spec?: unknown } | undefined)?.spec,
      labels: meta.labels,
      annotations: meta.annotations,
      ownerReferences: meta.ownerReferences,
    });
  };
  return set(event.object) !== set(event.previous);
}

/** Whether the API server serves Gateway API's v1 HTTPRoute and GRPCRoute. */
async function servesGatewayApi(d: Discovery): Promise<boolean> {
  const names = await servedResources(d, "gateway.networking.k8s.io/v1");
  return (names?.has("httproutes") && names.has("grpcroutes")) ?? false;
}

async function hasGlooCrds(d: Discovery): Promise<boolean> {
  return (
    (await servedResources(d, "gateway.solo.io/v1")) !== undefined &&
    (await servedResources(d, "gloo.solo.io/v1")) !== undefined
  );
}
