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
}

export const permissions: Permission[] = [
  {
    apiGroup: "flagger.app",
    resources: ["canaries"],
    verbs: ["list", "watch", "patch"],
    usedBy: [
      'src/controller/caches.ts: listFlagger<Canary & KubernetesObject>("canaries")',
      "src/kube/objects.ts: custom.patchNamespacedCustomObject(", // finalizers
    ],
  },
  {
    apiGroup: "flagger.app",
    resources: ["canaries/status"],
    verbs: ["patch"],
    usedBy: ["src/kube/objects.ts: custom.patchNamespacedCustomObjectStatus("],
  },
  {
    apiGroup: "flagger.app",
    resources: ["metrictemplates", "alertproviders"],
    verbs: ["list", "watch"],
    usedBy: [
      'src/controller/caches.ts: listFlagger<FlaggerObject>("metrictemplates")',
      'src/controller/caches.ts: listFlagger<FlaggerObject>("alertproviders")',
    ],
  },
  {
    apiGroup: "apps",
    resources: ["deployments"],
    // create: server-side apply of an object that does not exist yet is authorized as create.
    verbs: ["list", "watch", "create", "patch"],
    usedBy: [
      "src/controller/caches.ts: apps.listNamespacedDeployment(",
      "src/controller/execute.ts: primaryDeployment(",
      "src/controller/execute.ts: ctx.writer.mergePatch(",
    ],
  },
  {
    apiGroup: "autoscaling",
    resources: ["horizontalpodautoscalers"],
    verbs: ["list", "watch", "create", "patch"],
    usedBy: [
      "src/controller/caches.ts: autoscaling.listNamespacedHorizontalPodAutoscaler(",
      "src/controller/execute.ts: writer.apply(primaryHpa(",
    ],
  },
  {
    apiGroup: "",
    resources: ["configmaps", "secrets"],
    verbs: ["list", "watch", "create", "patch"],
    usedBy: [
      "src/controller/caches.ts: core.listNamespacedConfigMap(",
      "src/controller/caches.ts: core.listNamespacedSecret(",
      "src/controller/execute.ts: configCopies(canary, observed.tracked)",
    ],
  },
  {
    apiGroup: "",
    resources: ["services"],
    verbs: ["create", "patch"],
    usedBy: [
      "src/controller/execute.ts: services(canary, spec, observed.selector)",
    ],
  },
  {
    apiGroup: "",
    resources: ["events"],
    verbs: ["create"],
    usedBy: ["src/kube/events.ts: core.createNamespacedEvent("],
  },
  {
    apiGroup: "gloo.solo.io",
    resources: ["upstreams"],
    verbs: ["get", "create", "patch", "delete"],
    usedBy: [
      "src/routers/gloo.ts: custom.getNamespacedCustomObject(", // upstreamRef
      'src/routers/gloo.ts: upstream(ctx, "canary", settings)',
      "src/routers/gloo.ts: writer.delete(",
    ],
  },
  {
    apiGroup: "gateway.solo.io",
    resources: ["routetables"],
    verbs: ["create", "patch", "delete"],
    usedBy: [
      "src/routers/gloo.ts: routeTable(ctx, weights)",
      "src/routers/gloo.ts: writer.delete(",
    ],
  },
  {
    apiGroup: "coordination.k8s.io",
    resources: ["leases"],
    verbs: ["get", "create", "update"],
    usedBy: [
      "src/kube/leader.ts: this.api.readNamespacedLease(",
      "src/kube/leader.ts: this.api.createNamespacedLease(",
      "src/kube/leader.ts: this.api.replaceNamespacedLease(",
    ],
    namespaced: true,
  },
];
