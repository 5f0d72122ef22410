// Gloo Edge's VirtualService, RouteTable and Upstream CRDs, written here from Gloo's published API
// reference as structural schemas covering every field Siskin, Flagger and the demo read or write, so a
// fresh clone needs nothing from outside the repository. Field names and types follow Gloo's API
// (gateway.solo.io/v1, gloo.solo.io/v1); settings Siskin only copies from a user's Upstream keep their
// content as given. Like the real CRDs: one version, namespaced, no status subresource, everything
// else pruned. test/ship/gloo-crds.test.ts shows they accept and prune alike with the real ones.
type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
/** Protobuf uint32 and int32 fields, with the ranges the real CRDs declare for them. */
const uint32: Schema = { type: "integer", minimum: 0, maximum: 4294967295 };
const int32: Schema = { type: "integer", minimum: -2147483648, maximum: 2147483647 };
const bool: Schema = { type: "boolean" };
const obj = (properties: Record<string, Schema>): Schema => ({
  type: "object",
  properties,
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const map = (value: Schema): Schema => ({
  type: "object",
  additionalProperties: value,
});
/** Content Siskin copies as it is (settings of a user's Upstream) or never reads (options). */
const kept: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const ref = obj({ name: str, namespace: str });

const matcher = obj({
  prefix: str,
  exact: str,
  regex: str,
  caseSensitive: bool,
  headers: arr(obj({ name: str, value: str, regex: bool, invertMatch: bool })),
  queryParameters: arr(obj({ name: str, value: str, regex: bool })),
  methods: arr(str),
});

const destination = obj({
  upstream: ref,
  kube: obj({ ref, port: uint32 }),
  subset: obj({ values: map(str) }),
  destinationSpec: kept,
});

const route = obj({
  name: str,
  matchers: arr(matcher),
  inheritableMatchers: bool,
  inheritablePathMatchers: bool,
  routeAction: obj({
    single: destination,
    multi: obj({
      destinations: arr(obj({ weight: uint32, destination, options: kept })),
    }),
    upstreamGroup: ref,
  }),
  delegateAction: obj({
    name: str,
    namespace: str,
    ref,
    selector: obj({
      labels: map(str),
      namespaces: arr(str),
      expressions: arr(obj({ key: str, operator: str, values: arr(str) })),
    }),
  }),
  directResponseAction: obj({ status: uint32, body: str }),
  redirectAction: kept,
  options: kept,
});

const upstreamSpec = obj({
  kube: obj({
    serviceName: str,
    serviceNamespace: str,
    servicePort: uint32,
    selector: map(str),
    serviceSpec: kept,
    subsetSpec: kept,
  }),
  static: kept,
  discoveryMetadata: kept,
  sslConfig: kept,
  circuitBreakers: obj({
    maxConnections: uint32,
    maxPendingRequests: uint32,
    maxRequests: uint32,
    maxRetries: uint32,
    trackRemaining: bool,
  }),
  connectionConfig: obj({
    maxRequestsPerConnection: uint32,
    connectTimeout: str,
    perConnectionBufferLimitBytes: uint32,
    tcpKeepalive: kept,
    commonHttpProtocolOptions: kept,
    http1ProtocolOptions: kept,
  }),
  loadBalancerConfig: kept,
  healthChecks: arr(kept),
  outlierDetection: kept,
  useHttp2: bool,
  httpProxyHostname: str,
  initialStreamWindowSize: uint32,
  initialConnectionWindowSize: uint32,
  ignoreHealthOnHostRemoval: bool,
  respectDnsTtl: bool,
});

function crd(
  group: string,
  kind: string,
  plural: string,
  shortNames: string[],
  spec: Schema,
): Schema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec,
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
              },
            },
          },
        },
      ],
    },
  };
}

export function glooCrds(): Schema[] {
  return [
    crd("gateway.solo.io", "VirtualService", "virtualservices", ["vs"], obj({
      displayName: str,
      virtualHost: obj({ domains: arr(str), routes: arr(route), options: kept }),
      sslConfig: kept,
    })),
    crd("gateway.solo.io", "RouteTable", "routetables", ["rt"], obj({
      routes: arr(route),
      weight: int32,
    })),
    crd("gloo.solo.io", "Upstream", "upstreams", ["us"], upstreamSpec),
  ];
}
