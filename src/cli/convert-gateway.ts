// kubectl siskin convert-gateway NAME: what moves one Canary's routing from Gloo Edge to Gateway API
// (kgateway), for a person to review. Nothing is applied. From the Gloo objects on the cluster it takes
// the VirtualService's domains (hosts) and the matchers of the route that delegates to the Canary's
// RouteTable (service.match), and prints: the change to the Canary (both routers, so both gateways carry
// the same weights during the cut-over), the HTTPRoute Siskin will then write (made by the router
// itself, so the preview is exact), and a Gateway to attach it to if there is none yet.
import { stringify } from "yaml";
import type { Canary } from "../api/canary.ts";
import { resolveCanarySpec } from "../api/resolve.ts";
import type { KubeObject } from "../kube/api.ts";
import { gatewayApiRouter } from "../routers/gatewayapi/router.ts";
import { routerNames } from "../routers/names.ts";

type Json = Record<string, unknown>;

interface GlooMatcher {
  prefix?: string;
  exact?: string;
  regex?: string;
  methods?: string[];
  headers?: {
    name: string;
    value?: string;
    regex?: boolean;
    invertMatch?: boolean;
  }[];
}

interface VirtualService {
  metadata: { name: string; namespace: string };
  spec?: {
    virtualHost?: {
      domains?: string[];
      routes?: {
        matchers?: GlooMatcher[];
        delegateAction?: {
          ref?: { name?: string; namespace?: string };
          name?: string;
          namespace?: string;
        };
      }[];
    };
  };
}

export interface ConvertInput {
  canary: Canary;
  /** Every VirtualService the user may list; the one delegating to the Canary's RouteTable is used. */
  virtualServices: VirtualService[];
  gateway: { name: string; namespace: string; className: string };
}

export interface Converted {
  /** The Canary change, as a merge patch of its spec. */
  canaryPatch: { spec: Json };
  httpRoute: KubeObject;
  gateway: KubeObject;
  /** What did not carry over, for the reader. */
  notes: string[];
}

/** A Gloo matcher as service.match (Istio's HTTPMatchRequest shape, which Flagger and Siskin read). */
function toServiceMatch(m: GlooMatcher, notes: string[]): Json {
  const uri =
    m.exact !== undefined
      ? { exact: m.exact }
      : m.regex !== undefined
        ? { regex: m.regex }
        : { prefix: m.prefix ?? "/" };
  const headers: Record<string, Json> = {};
  for (const h of m.headers ?? []) {
    if (h.invertMatch) {
      notes.push(
        `header matcher ${h.name} is inverted; Gateway API has no negative match, so it was left out`,
      );
      continue;
    }
    headers[h.name] =
      h.value === undefined
        ? { regex: ".*" }
        : h.regex
          ? { regex: h.value }
          : { exact: h.value };
  }
  if ((m.methods?.length ?? 0) > 1)
    notes.push(
      `matcher on ${m.methods?.join(", ")}: Gateway API matches one method per match; only ${m.methods?.[0]} was kept`,
    );
  return {
    uri,
    ...(m.methods?.[0] ? { method: { exact: m.methods[0] } } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
  };
}

export async function convertGateway(input: ConvertInput): Promise<Converted> {
  const { canary, gateway } = input;
  const ns = canary.metadata.namespace;
  const apex = canary.spec.service.name ?? canary.spec.targetRef.name;
  const notes: string[] = [];
  const delegating = input.virtualServices.flatMap((vs) =>
    (vs.spec?.virtualHost?.routes ?? [])
      .filter((r) => {
        const ref = r.delegateAction?.ref ?? r.delegateAction;
        return (
          ref?.name === apex && (ref.namespace ?? vs.metadata.namespace) === ns
        );
      })
      .map((route) => ({ vs, route })),
  );
  if (delegating.length === 0)
    notes.push(
      `no VirtualService delegates to RouteTable ${ns}/${apex}; hosts and matches are left for you to fill in`,
    );
  const hosts = [
    ...new Set(
      delegating.flatMap((d) => d.vs.spec?.virtualHost?.domains ?? []),
    ),
  ].filter((h) => h !== "*");
  if (delegating.some((d) => d.vs.spec?.virtualHost?.domains?.includes("*")))
    notes.push(
      'a VirtualService serves every domain ("*"); an HTTPRoute without hostnames does the same, so none are set for it',
    );
  const match = delegating.flatMap((d) =>
    (d.route.matchers ?? []).map((m) => toServiceMatch(m, notes)),
  );
  const everyPath =
    match.length === 1 &&
    JSON.stringify(match[0]) === JSON.stringify({ uri: { prefix: "/" } });
  const current = canary.spec.routers ?? [canary.spec.provider ?? "gloo"];
  const routers = [
    ...current.filter((r) => r !== "gatewayapi:v1"),
    "gatewayapi:v1",
  ];
  const gatewayRefs = [{ name: gateway.name, namespace: gateway.namespace }];
  const service: Json = {
    gatewayRefs,
    ...(hosts.length ? { hosts } : {}),
    ...(match.length && !everyPath ? { match } : {}),
  };
  if (canary.spec.upstreamRef)
    notes.push(
      `spec.upstreamRef ${canary.spec.upstreamRef.name}: its settings (timeouts, circuit breakers, TLS) stay on Gloo; give kgateway the same with a BackendConfigPolicy for ${apex}-primary and ${apex}-canary`,
    );
  const canaryPatch = {
    spec: {
      ...(canary.spec.provider ? { provider: routers[0] } : {}),
      routers,
      service,
    },
  };
  // The route Siskin will write once the patch is applied, made by the router itself.
  const patched: Canary = {
    ...canary,
    spec: {
      ...canary.spec,
      routers,
      service: {
        ...canary.spec.service,
        ...(service as Canary["spec"]["service"]),
      },
    },
  };
  const resolved = resolveCanarySpec(patched.spec, {
    namespace: ns,
    knownProviders: routerNames,
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 0,
  });
  if (!resolved.ok)
    throw new Error(
      `the Canary would not be valid: ${resolved.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    );
  const written: KubeObject[] = [];
  const router = gatewayApiRouter(
    {
      ensure: async (objects) => void written.push(...objects),
      remove: async () => undefined,
      lookupUpstream: () => undefined,
      lookupRouteTable: () => undefined,
      lookupRoute: () => undefined,
    },
    { version: "v1", markBackends: false },
  );
  const weight = canary.status?.canaryWeight ?? 0;
  await router.setRoutes(
    { canary: patched, spec: resolved.spec, status: canary.status ?? {} },
    { primaryWeight: 100 - weight, canaryWeight: weight },
  );
  const httpRoute = written[0] ?? {};
  const metadata = { ...(httpRoute.metadata ?? {}) };
  delete metadata.ownerReferences;
  return {
    canaryPatch,
    httpRoute: { ...httpRoute, metadata },
    gateway: {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: gateway.name, namespace: gateway.namespace },
      spec: {
        gatewayClassName: gateway.className,
        listeners: [
          {
            name: "http",
            protocol: "HTTP",
            port: 8080,
            allowedRoutes: { namespaces: { from: "All" } },
          },
        ],
      },
    } as KubeObject,
    notes,
  };
}

/** The conversion as a person reads it: comments, then YAML documents to review. */
export function describeConversion(canary: Canary, c: Converted): string {
  const name = `${canary.metadata.namespace}/${canary.metadata.name}`;
  const patch = JSON.stringify(c.canaryPatch);
  return [
    `# Moving Canary ${name} from Gloo Edge to Gateway API (kgateway). Nothing has been applied.`,
    "# 1. If the Gateway below does not exist yet, create it (its class is your kgateway installation's).",
    "# 2. Apply the Canary change: both gateways then carry the same weights at every step, and the",
    "#    built-in metrics sum the canary's traffic through both:",
    `#      kubectl -n ${canary.metadata.namespace} patch canary ${canary.metadata.name} --type merge -p '${patch}'`,
    "# 3. Siskin then writes the HTTPRoute shown last (a preview made by its own router). Move DNS to",
    "#    kgateway step by step; check both weights with: kubectl siskin status " +
      canary.metadata.name,
    "# 4. When no traffic comes through Gloo any more, drop gloo from spec.routers (and provider).",
    ...c.notes.map((n) => `# note: ${n}`),
    "---",
    stringify(c.gateway).trimEnd(),
    "---",
    `# the Canary change (merge patch of ${name})`,
    stringify(c.canaryPatch).trimEnd(),
    "---",
    stringify(c.httpRoute).trimEnd(),
  ].join("\n");
}
