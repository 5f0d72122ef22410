// Every Kubernetes permission the operator uses, with the code that needs it. The Helm chart's
// ClusterRole and leader-election Role must grant exactly these (a test compares them and checks that
// each `usedBy` call is still in its file), so a permission the code stops using cannot linger.
export interface Permission {
  apiGroup: string;
  resources: string[];
  verbs: string[];
  /** "file: call" pairs: the call must appear in the file. */
  usedBy: string[];
  /** Granted by a Role in the operator's namespace instead of the ClusterRole. */
  namespaced?: boolean;
  /** Granted by the `-dashboard` ClusterRole, rendered only with dashboard.enabled. */
  dashboard?: boolean;
  /**
   * Granted only for the names a chart value lists (none by default); `resources` then stands for
   * those names. The external metrics API's resources are metric names, which only the user knows.
   */
  namesFromValue?: string;
}

// Reflectors list and watch every resource they cache and GET the objects a Canary uses (reflector.ts:
// fetchWithRetry), so "get" goes with "list, watch" for those.
const cached = (kind: string): string =>
  `src/controller/caches.ts: path(${kind})`;

export const permissions: Permission[] = [
  {
    apiGroup: "flagger.app",
    resources: ["canaries"],
    verbs: ["get", "list", "watch", "patch"],
    usedBy: [
      cached('flaggerApiVersion, "Canary"'),
      "src/kube/objects.ts: setCanaryFinalizers: async", // finalizers (merge patch)
    ],
  },
  {
    apiGroup: "flagger.app",
    resources: ["canaries/status"],
    verbs: ["patch"],
    usedBy: ['src/kube/objects.ts: subresource: "status"'],
  },
  {
    apiGroup: "flagger.app",
    resources: ["metrictemplates", "alertproviders"],
    verbs: ["get", "list", "watch"],
    usedBy: [
      cached('flaggerApiVersion, "MetricTemplate"'),
      cached('flaggerApiVersion, "AlertProvider"'),
    ],
  },
  {
    apiGroup: "apps",
    resources: ["deployments"],
    // create: server-side apply of an object that does not exist yet is authorized as create.
    verbs: ["get", "list", "watch", "create", "patch"],
    usedBy: [
      cached('"apps/v1", "Deployment"'),
      "src/controller/workload-actions.ts: primaryDeployment(",
      "src/controller/workload-actions.ts: ctx.writer.mergePatch(",
    ],
  },
  {
    apiGroup: "autoscaling",
    resources: ["horizontalpodautoscalers"],
    verbs: ["get", "list", "watch", "create", "patch"],
    usedBy: [
      cached('"autoscaling/v2", "HorizontalPodAutoscaler"'),
      "src/controller/workload-actions.ts: primaryHpa(canary, hpa.object",
    ],
  },
  {
    apiGroup: "",
    resources: ["configmaps", "secrets"],
    verbs: ["get", "list", "watch", "create", "patch"],
    usedBy: [
      cached('"v1", "ConfigMap"'),
      cached('"v1", "Secret"'),
      "src/controller/workload-actions.ts: configCopies(canary, observed.tracked)",
      // The dashboard's session key and shared logouts, in the operator's namespace.
      'src/dashboard/session-secret.ts: kind: "Secret"',
      'src/dashboard/session-secret.ts: contentType: "application/merge-patch+json"',
    ],
  },
  {
    apiGroup: "",
    resources: ["services"],
    verbs: ["get", "list", "watch", "create", "patch"],
    usedBy: [
      cached('"v1", "Service"'),
      "src/controller/workload-actions.ts: services(canary, spec, observed.selector)",
    ],
  },
  {
    apiGroup: "",
    resources: ["events"],
    verbs: ["create", "patch"],
    usedBy: [
      'src/kube/events.ts: kind: "Event"',
      // An identical Event raises the count of the one written.
      "src/kube/events.ts: { count: decision.count, lastTimestamp: at }",
    ],
  },
  {
    apiGroup: "gloo.solo.io",
    resources: ["upstreams"],
    verbs: ["get", "list", "watch", "create", "patch", "delete"],
    usedBy: [
      cached('"gloo.solo.io/v1", "Upstream"'),
      'src/routers/gloo.ts: upstream(ctx, "canary", settings)',
      "src/routers/gloo.ts: deps.remove(",
    ],
  },
  {
    apiGroup: "gateway.solo.io",
    resources: ["routetables"],
    verbs: ["get", "list", "watch", "create", "patch", "delete"],
    usedBy: [
      cached('"gateway.solo.io/v1", "RouteTable"'),
      "src/routers/gloo.ts: routeTable(ctx, weights)",
      "src/routers/gloo.ts: deps.remove(",
    ],
  },
  {
    apiGroup: "gateway.networking.k8s.io",
    resources: ["httproutes", "grpcroutes"],
    // No delete: revertOnDeletion hands the route back instead (routers/gatewayapi/router.ts: finalize).
    verbs: ["get", "list", "watch", "create", "patch"],
    usedBy: [
      'src/controller/caches.ts: routeReflector("httproutes")',
      'src/controller/caches.ts: routeReflector("grpcroutes")',
      "src/routers/gatewayapi/router.ts: deps.ensure([desired(ctx, weights)])",
    ],
  },
  {
    apiGroup: "coordination.k8s.io",
    resources: ["leases"],
    verbs: ["get", "create", "update"],
    usedBy: [
      'src/kube/lease-store.ts: method: "GET",',
      'src/kube/lease-store.ts: method: "POST",',
      'src/kube/lease-store.ts: method: "PUT",',
    ],
    namespaced: true,
  },
  // The dashboard: who a token belongs to, what its user may do, and the Events for the timeline.
  {
    apiGroup: "authentication.k8s.io",
    resources: ["tokenreviews"],
    verbs: ["create"],
    usedBy: ['src/dashboard/access.ts: kind: "TokenReview"'],
    dashboard: true,
  },
  {
    apiGroup: "authorization.k8s.io",
    resources: ["subjectaccessreviews"],
    verbs: ["create"],
    usedBy: ['src/dashboard/access.ts: kind: "SubjectAccessReview"'],
    dashboard: true,
  },
  {
    apiGroup: "",
    resources: ["events"],
    verbs: ["list", "watch"],
    usedBy: [
      'src/dashboard/start.ts: fieldSelector: "involvedObject.kind=Canary"',
    ],
    dashboard: true,
  },
  {
    apiGroup: "external.metrics.k8s.io",
    resources: ["<externalMetrics.metrics>"],
    verbs: ["get", "list"],
    usedBy: ["src/controller/lookups.ts: function externalMetricsGet("],
    namesFromValue: "externalMetrics.metrics",
  },
];
