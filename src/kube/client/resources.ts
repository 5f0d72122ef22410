// The resources Siskin reads and writes, as data: apiVersion + kind -> REST path. No discovery calls
// are needed, and an object of an unknown kind is a programming error caught by the first test.
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const r = (
  group: string,
  version: string,
  plural: string,
  namespaced = true,
): ResourceType => ({ group, version, plural, namespaced });

export const resourceTypes = {
  "v1/ConfigMap": r("", "v1", "configmaps"),
  "v1/Secret": r("", "v1", "secrets"),
  "v1/Service": r("", "v1", "services"),
  "v1/Event": r("", "v1", "events"),
  "v1/Namespace": r("", "v1", "namespaces", false),
  "v1/Pod": r("", "v1", "pods"),
  "apps/v1/Deployment": r("apps", "v1", "deployments"),
  "apps/v1/ReplicaSet": r("apps", "v1", "replicasets"),
  "autoscaling/v2/HorizontalPodAutoscaler": r(
    "autoscaling",
    "v2",
    "horizontalpodautoscalers",
  ),
  "coordination.k8s.io/v1/Lease": r("coordination.k8s.io", "v1", "leases"),
  "authentication.k8s.io/v1/TokenReview": r(
    "authentication.k8s.io",
    "v1",
    "tokenreviews",
    false,
  ),
  "authorization.k8s.io/v1/SubjectAccessReview": r(
    "authorization.k8s.io",
    "v1",
    "subjectaccessreviews",
    false,
  ),
  "flagger.app/v1beta1/Canary": r("flagger.app", "v1beta1", "canaries"),
  "flagger.app/v1beta1/MetricTemplate": r(
    "flagger.app",
    "v1beta1",
    "metrictemplates",
  ),
  "flagger.app/v1beta1/AlertProvider": r(
    "flagger.app",
    "v1beta1",
    "alertproviders",
  ),
  "gloo.solo.io/v1/Upstream": r("gloo.solo.io", "v1", "upstreams"),
  "gateway.solo.io/v1/RouteTable": r("gateway.solo.io", "v1", "routetables"),
  "gateway.solo.io/v1/VirtualService": r(
    "gateway.solo.io",
    "v1",
    "virtualservices",
  ),
  "gateway.networking.k8s.io/v1/HTTPRoute": r(
    "gateway.networking.k8s.io",
    "v1",
    "httproutes",
  ),
  "gateway.networking.k8s.io/v1beta1/HTTPRoute": r(
    "gateway.networking.k8s.io",
    "v1beta1",
    "httproutes",
  ),
  "gateway.networking.k8s.io/v1/GRPCRoute": r(
    "gateway.networking.k8s.io",
    "v1",
    "grpcroutes",
  ),
  "gateway.networking.k8s.io/v1/Gateway": r(
    "gateway.networking.k8s.io",
    "v1",
    "gateways",
  ),
  "apiextensions.k8s.io/v1/CustomResourceDefinition": r(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    false,
  ),
} satisfies Record<string, ResourceType>;

export type KnownKind = keyof typeof resourceTypes;

export function resourceOf(apiVersion: string, kind: string): ResourceType {
  const type = (resourceTypes as Record<string, ResourceType>)[
    `${apiVersion}/${kind}`
  ];
  if (!type)
    throw new Error(
      `no REST mapping for ${apiVersion} ${kind} in resources.ts`,
    );
  return type;
}

/** /api/v1/... or /apis/<group>/<version>/..., optionally namespaced, named, with a subresource. */
export function resourcePath(
  type: ResourceType,
  options: { namespace?: string; name?: string; subresource?: string } = {},
): string {
  const base = type.group
    ? `/apis/${type.group}/${type.version}`
    : `/api/${type.version}`;
  const ns =
    type.namespaced && options.namespace
      ? `/namespaces/${encodeURIComponent(options.namespace)}`
      : "";
  const name = options.name ? `/${encodeURIComponent(options.name)}` : "";
  const sub = options.subresource ? `/${options.subresource}` : "";
  return `${base}${ns}/${type.plural}${name}${sub}`;
}
