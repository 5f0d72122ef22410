// The Canary resource (flagger.app/v1beta1): the schema every other part of Siskin is typed from.
import { s, type Infer } from "./schema.ts";
import { specBounds } from "./bounds.ts";
import type { CanaryStatus } from "./canary-status.ts";

// The status schema and the phases are in canary-status.ts; re-exported so one import serves both.
export * from "./canary-status.ts";

const name = () => s.string({ minLength: 1 });
const stringMap = () => s.map(s.string());
const duration = () => s.string({ pattern: "^[0-9]+(m|s)" });

export const webhookTypes = [
  "confirm-rollout",
  "pre-rollout",
  "rollout",
  "confirm-traffic-increase",
  "confirm-promotion",
  "post-rollout",
  "rollback",
  "event",
] as const;
export type WebhookType = (typeof webhookTypes)[number];

const objectMetadata = s.object({
  labels: stringMap(),
  annotations: stringMap(),
});

const headerMatch = s.object({
  exact: s.string(),
  prefix: s.string(),
  suffix: s.string(),
  regex: s.string(),
});

/** A Gateway API parentRef (Flagger's service.gatewayRefs). */
const gatewayRef = s.object({
  name: name().required(),
  namespace: s.string(),
  group: s.string(),
  kind: s.string(),
  sectionName: s.string(),
  port: s.integer({ minimum: 1, maximum: 65535 }),
});

/** Header operations (Istio's Headers shape, which Flagger maps to Gateway API header filters). */
const headerOperations = s.object({
  add: stringMap(),
  set: stringMap(),
  remove: s.array(s.string()),
});

/** A Gateway API object reference (mirror targets). */
const backendObjectRef = s.object({
  name: name().required(),
  namespace: s.string(),
  group: s.string(),
  kind: s.string(),
  port: s.integer({ minimum: 1, maximum: 65535 }),
});

export const metricSchema = s.object({
  name: name().required(),
  interval: duration().describe("Range of the metric query; default 1m."),
  threshold: s.number().describe("Deprecated: use thresholdRange.min."),
  thresholdRange: s.object({ min: s.number(), max: s.number() }),
  query: s
    .string({ maxLength: specBounds.queryLength })
    .describe("Inline Prometheus query (legacy; prefer templateRef)."),
  templateRef: s.object({ name: name().required(), namespace: s.string() }),
  templateVariables: stringMap(),
  // Siskin additions (Flagger ignores them):
  minRequests: s
    .integer({ minimum: 0 })
    .describe(
      "Built-in metrics: fewer canary requests than this in the window make the check inconclusive (default analysis.minRequests).",
    ),
  dryRun: s
    .boolean()
    .describe(
      "Evaluate and report the check, but never count it toward threshold or promotion.",
    ),
  compareTo: s
    .string({ enum: ["primary"] })
    .describe(
      "Judge the canary against the primary: the same query for both over the same window.",
    ),
  maxDegradation: s
    .number({ minimum: 0 })
    .describe(
      "With compareTo: how much worse the canary may be (points below the primary for rates, a ratio over it for latencies).",
    ),
  degradation: s
    .string({ enum: ["points", "ratio"] })
    .describe(
      "How maxDegradation is measured; default points for request-success-rate and min-only thresholds, ratio otherwise.",
    ),
  judge: s
    .string({ enum: ["point", "mann-whitney"] })
    .describe(
      "With compareTo: point (default) judges each window's two values; mann-whitney tests all of the run's per-interval values of both with a Mann-Whitney U test.",
    ),
  minSamples: s
    .integer({ minimum: 3, maximum: 100 })
    .describe(
      "judge: mann-whitney: values of each side needed before the test decides (default 5); until then each window is judged by point comparison.",
    ),
  significance: s
    .number({ minimum: 0.0001, maximum: 0.5 })
    .describe(
      "judge: mann-whitney: the p-value below which a difference counts (default 0.05); it fails only when also worse than maxDegradation.",
    ),
});

export const webhookSchema = s.object({
  name: name().required(),
  type: s
    .string({ enum: ["", ...webhookTypes] })
    .describe('Default (or ""): rollout.'),
  url: s
    .string({ pattern: "^https?://", maxLength: specBounds.urlLength })
    .required(),
  timeout: duration().describe("At most 1h; default 10s."),
  retries: s.integer({ minimum: 0, maximum: 10 }),
  metadata: stringMap(),
  muteAlert: s.boolean(),
  disableTLS: s
    .boolean()
    .describe("Skip verifying the hook's TLS certificate (https URLs)."),
});

export const alertSchema = s.object({
  name: name().required(),
  severity: s
    .string({ enum: ["", "info", "warn", "error"] })
    .describe('Default (or ""): info.'),
  providerRef: s
    .object({ name: name().required(), namespace: s.string() })
    .required(),
});

export const analysisSchema = s
  .object({
    interval: duration().describe(
      "Time between two checks; at least 10s (or --min-analysis-interval). Default 1m, as Flagger.",
    ),
    threshold: s
      .integer({ minimum: 0 })
      .describe(
        "Failed checks before a rollback. Default (or 0) 1, as Flagger.",
      ),
    maxWeight: s.integer({ minimum: 0, maximum: 100 }),
    stepWeight: s.integer({ minimum: 0, maximum: 100 }),
    stepWeights: s.array(s.integer({ minimum: 0, maximum: 100 })),
    stepWeightPromotion: s.integer({ minimum: 0, maximum: 100 }),
    iterations: s.integer({ minimum: 0 }),
    match: s.array(
      s.object({
        headers: s.map(headerMatch),
        queryParams: s.map(headerMatch),
        sourceLabels: stringMap(),
      }),
    ),
    mirror: s.boolean(),
    mirrorWeight: s.integer({ minimum: 0, maximum: 100 }),
    primaryReadyThreshold: s.integer({ minimum: 0, maximum: 100 }),
    canaryReadyThreshold: s.integer({ minimum: 0, maximum: 100 }),
    sessionAffinity: s.object({
      cookieName: s.string(),
      maxAge: s.integer({ minimum: 0 }),
      primaryCookieName: s.string(),
      domain: s.string(),
      path: s.string(),
      httpOnly: s.boolean(),
      secure: s.boolean(),
      partitioned: s.boolean(),
      sameSite: s.string({ enum: ["Strict", "Lax", "None"] }),
    }),
    metrics: s.array(metricSchema, { maxItems: specBounds.metrics }),
    // Siskin additions (Flagger ignores them):
    minRequests: s
      .integer({ minimum: 0 })
      .describe(
        "Built-in metrics: fewer canary requests than this in a check's window make it inconclusive; default 10.",
      ),
    maxInconclusive: s
      .integer({ minimum: 0 })
      .describe(
        "Inconclusive intervals in a row that hold the step; each one after them counts as a failed check. Default 3.",
      ),
    bake: s
      .object({
        duration: s.string().required(),
        metrics: s.array(s.string(), { maxItems: specBounds.metrics }),
      })
      .describe(
        "After a promotion, judge the primary for this long with these metrics (default: the run's metrics with a thresholdRange); threshold failures revert it to the previous release. kubectl siskin undo works within the same window.",
      ),
    rollbackWindow: s
      .string()
      .describe(
        "After a promotion, keep the previous release's pods running at a quarter of the primary's replicas (at least 1) behind <service>-previous for this long, so a bake revert or kubectl siskin undo moves traffic to them in seconds. Off by default (extra pods).",
      ),
    onFailure: s
      .string({ enum: ["rollback", "hold"] })
      .describe(
        "What a failed analysis does: rollback (default, as Flagger) or hold the run at its weight for a person to promote, abort or retry; the progress deadline still applies.",
      ),
    webhooks: s.array(webhookSchema, { maxItems: specBounds.webhooks }),
    alerts: s.array(alertSchema, { maxItems: specBounds.alerts }),
  })
  .rule(
    "has(self.stepWeight) || has(self.stepWeights) || has(self.iterations)",
    "analysis needs one of stepWeight, stepWeights (weighted canary) or iterations (blue/green, A/B)",
  );

export const serviceSchema = s.object({
  name: s.string(),
  port: s.integer({ minimum: 1, maximum: 65535 }).required(),
  portName: s.string(),
  targetPort: s.intOrString(),
  portDiscovery: s.boolean(),
  appProtocol: s.string(),
  apex: objectMetadata,
  primary: objectMetadata,
  canary: objectMetadata,
  timeout: s.string(),
  backendTimeout: s.string(),
  retries: s.unknownObject(),
  headers: s.object({ request: headerOperations, response: headerOperations }),
  match: s.array(s.unknownObject()),
  rewrite: s.object({
    uri: s.string(),
    authority: s.string(),
    type: s
      .string()
      .describe(
        "Gateway API: ReplaceFullPath or ReplacePrefixMatch (default); Flagger keeps any string.",
      ),
  }),
  corsPolicy: s.object({
    allowOrigin: s.array(s.string()),
    allowOrigins: s.array(headerMatch),
    allowMethods: s.array(s.string()),
    allowHeaders: s.array(s.string()),
    exposeHeaders: s.array(s.string()),
    maxAge: s.string(),
    allowCredentials: s.boolean(),
  }),
  mirror: s.array(
    s.object({
      backendRef: backendObjectRef.required(),
      percent: s.integer({ minimum: 0, maximum: 100 }),
    }),
  ),
  hosts: s.array(s.string()),
  gateways: s.array(s.string()),
  gatewayRefs: s
    .array(gatewayRef)
    .describe(
      "Gateway API: the Gateways (parentRefs) the generated HTTPRoute or GRPCRoute attaches to.",
    ),
  headless: s
    .boolean()
    .describe(
      "Also create headless Services (<svc>-primary-headless, <svc>-canary-headless), as Flagger.",
    ),
  trafficDistribution: s
    .string({ enum: ["PreferClose", "PreferSameZone", "PreferSameNode"] })
    .describe("Written to the generated Services' spec.trafficDistribution."),
  unmanagedMetadata: s
    .object({
      labels: s.array(s.string()),
      annotations: s.array(s.string()),
    })
    .describe(
      "Label and annotation keys on the generated Services that Siskin leaves to other tools.",
    ),
  // Kept so a Canary moves between Flagger and Siskin without losing them; the FieldsIgnored
  // condition names each one set on a Canary whose routers do not use it (src/api/ignored-fields.ts).
  trafficPolicy: s
    .unknownObject()
    .describe("Istio DestinationRule traffic policy (Istio only)."),
  meshName: s.string().describe("App Mesh mesh name (App Mesh only)."),
  backends: s
    .array(s.string())
    .describe("App Mesh virtual service backends (App Mesh only)."),
  delegation: s
    .boolean()
    .describe("Istio VirtualService delegation (Istio only)."),
});

export const canarySpecSchema = s.object({
  provider: s
    .string()
    .describe(
      "Router: gloo, gatewayapi:v1, gatewayapi:v1beta1 or kubernetes; overrides --mesh-provider.",
    ),
  // Siskin addition (Flagger ignores it):
  routers: s
    .array(s.string(), { maxItems: 4 })
    .describe(
      "Several routers driven at once, for a gateway migration (for example [gloo, gatewayapi:v1]): each carries the same weights and the built-in metrics are summed over all of them. The first is the provider.",
    ),
  metricsServer: s
    .string()
    .describe(
      "Prometheus URL for built-in metrics; overrides --metrics-server.",
    ),
  targetRef: s
    .object({
      apiVersion: s.string(),
      kind: s
        .string({ enum: ["Deployment", "DaemonSet", "Service"] })
        .required(),
      name: name().required(),
    })
    .required(),
  autoscalerRef: s.object({
    apiVersion: s.string(),
    kind: s
      .string({ enum: ["HorizontalPodAutoscaler", "ScaledObject"] })
      .required(),
    name: name().required(),
    primaryScalerReplicas: s.object({
      minReplicas: s.integer({ minimum: 0 }),
      maxReplicas: s.integer({ minimum: 1 }),
    }),
    primaryScalerQueries: s
      .map(s.string())
      .describe("KEDA ScaledObject: trigger queries for the primary's scaler."),
  }),
  ingressRef: s
    .object({
      apiVersion: s.string(),
      kind: s.string({ enum: ["Ingress"] }),
      name: s.string(),
    })
    .describe("NGINX provider: the Ingress (NGINX only)."),
  routeRef: s
    .object({
      apiVersion: s.string(),
      kind: s.string({ enum: ["ApisixRoute"] }),
      name: s.string(),
    })
    .describe("APISIX provider: the ApisixRoute (APISIX only)."),
  upstreamRef: s.object({
    apiVersion: s.string(),
    kind: s.string({ enum: ["Upstream"] }),
    name: name().required(),
    namespace: s.string(),
  }),
  service: serviceSchema.required(),
  analysis: analysisSchema.required(),
  progressDeadlineSeconds: s.integer({ minimum: 0 }),
  skipAnalysis: s.boolean(),
  revertOnDeletion: s.boolean(),
  suspend: s.boolean(),
});

export type CanarySpec = Infer<typeof canarySpecSchema>;
export type CanaryMetric = Infer<typeof metricSchema>;
export type CanaryWebhook = Infer<typeof webhookSchema>;

export interface Canary {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string | Date;
    creationTimestamp?: string | Date;
  };
  spec: CanarySpec;
  status?: CanaryStatus;
}
