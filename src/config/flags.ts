// Operator flags -> one frozen config object. Every problem is reported at once, each naming its flag.
import { strictArgs } from "../util/args.ts";
import { isDnsSubdomain } from "../util/k8s-names.ts";
import { parseDuration } from "../util/durations.ts";
import {
  gatewayApiFlavours,
  type GatewayApiFlavour,
} from "../metrics/builtin.ts";

export interface OperatorConfig {
  kubeconfig?: string;
  meshProvider: string;
  metricsServer: string;
  /** Which Envoy-based gateway serves Gateway API routes: how the built-in metrics name its clusters. */
  gatewayApiMetrics: GatewayApiFlavour;
  namespace?: string;
  selectorLabels: string[];
  includeLabelPrefix: string[];
  slack: {
    url?: string;
    channel?: string;
    user: string;
    proxy?: string;
    /** A bot token: the URL is then Slack's chat.postMessage (Flagger's -slack-token). */
    token?: string;
  };
  /** Operator-wide Microsoft Teams notifications (--msteams-url, --msteams-proxy-url). */
  msteams: { url?: string; proxy?: string };
  /** Refuse MetricTemplate and AlertProvider references to another namespace. */
  noCrossNamespaceRefs: boolean;
  clusterName: string;
  /** Where users open the dashboard (behind an ingress); alerts link each Canary's page there. */
  dashboardUrl?: string;
  /** Receives every Canary event as a webhook (like an `event` hook on every Canary). */
  eventWebhook?: string;
  logLevel: "debug" | "info" | "warn" | "error";
  port: number;
  minAnalysisIntervalMs: number;
  /** A watch silent (no event, no bookmark) this long is restarted (--watch-idle-timeout). */
  watchIdleTimeoutMs: number;
  enableConfigTracking: boolean;
  /** Client-side limit on Kubernetes API requests (token bucket). */
  kubeconfigQps: number;
  kubeconfigBurst: number;
  /** Canaries reconciled at once. */
  threadiness: number;
  /** The dashboard (--dashboard-port); off when undefined. */
  dashboard?: {
    port: number;
    sessionTtlMs: number;
    secureCookie: boolean;
    /** The Secret (in the operator's namespace) with the session key and logouts the replicas share. */
    sessionSecret: string;
  };
  leaderElection: {
    enabled: boolean;
    namespace: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
}

export type ConfigResult =
  | { ok: true; config: Readonly<OperatorConfig> }
  | { ok: false; problems: string[] };

const options = {
  kubeconfig: { type: "string" },
  "mesh-provider": { type: "string", default: "kubernetes" },
  "metrics-server": { type: "string", default: "http://prometheus:9090" },
  "gateway-api-metrics": { type: "string", default: "kgateway" },
  namespace: { type: "string" },
  "selector-labels": {
    type: "string",
    default: "app,name,app.kubernetes.io/name",
  },
  "include-label-prefix": { type: "string", default: "" },
  "slack-url": { type: "string" },
  "slack-channel": { type: "string" },
  "slack-user": { type: "string", default: "siskin" },
  "slack-proxy-url": { type: "string" },
  "slack-token": { type: "string" },
  "msteams-url": { type: "string" },
  "msteams-proxy-url": { type: "string" },
  "no-cross-namespace-refs": { type: "string", default: "false" },
  "cluster-name": { type: "string", default: "" },
  "dashboard-url": { type: "string" },
  "event-webhook": { type: "string" },
  "log-level": { type: "string", default: "info" },
  port: { type: "string", default: "8080" },
  "min-analysis-interval": { type: "string", default: "10s" },
  "watch-idle-timeout": { type: "string", default: "3m" },
  "enable-config-tracking": { type: "string", default: "true" },
  "kubeconfig-qps": { type: "string", default: "200" },
  "kubeconfig-burst": { type: "string", default: "500" },
  threadiness: { type: "string", default: "16" },
  "dashboard-port": { type: "string" },
  "dashboard-session-ttl": { type: "string", default: "8h" },
  "dashboard-secure-cookie": { type: "string", default: "false" },
  "dashboard-session-secret": {
    type: "string",
    default: "siskin-dashboard-sessions",
  },
  "enable-leader-election": { type: "string", default: "false" },
  "leader-election-namespace": { type: "string" },
  "leader-election-lease-duration": { type: "string", default: "15s" },
  "leader-election-renew-deadline": { type: "string", default: "10s" },
  "leader-election-retry-period": { type: "string", default: "2s" },
} as const;

const logLevels = ["debug", "info", "warn", "error"] as const;
/** Flagger's (zap's) names for levels, as its chart documents them: accepted and mapped to ours. */
const flaggerLogLevels: Record<string, (typeof logLevels)[number]> = {
  warning: "warn",
  dpanic: "error",
  panic: "error",
  fatal: "error",
};

export function parseOperatorFlags(
  argv: string[],
  knownProviders: readonly string[],
): ConfigResult {
  const parsed = strictArgs(argv, options);
  if (!parsed.ok) return parsed;
  const values: Record<string, string | undefined> = parsed.values;
  const problems: string[] = [];
  const get = (name: keyof typeof options): string => values[name] ?? "";

  const meshProvider = get("mesh-provider");
  if (!knownProviders.includes(meshProvider)) {
    problems.push(
      `--mesh-provider: unknown provider "${meshProvider}"; supported: ${knownProviders.join(", ")}`,
    );
  }
  const metricsServer = get("metrics-server");
  if (!/^https?:\/\/[^/\s]+/.test(metricsServer)) {
    problems.push(
      `--metrics-server: "${metricsServer}" is not an http(s) URL, for example http://prometheus:9090`,
    );
  }
  const gatewayApiMetrics = get("gateway-api-metrics");
  if (!(gatewayApiFlavours as readonly string[]).includes(gatewayApiMetrics))
    problems.push(
      `--gateway-api-metrics: "${gatewayApiMetrics}" is not one of ${gatewayApiFlavours.join(", ")} (the gateway serving your HTTPRoutes)`,
    );
  const slackUrl = values["slack-url"];
  if (values["slack-token"] && !slackUrl)
    problems.push(
      "--slack-token: set --slack-url too (https://slack.com/api/chat.postMessage for a bot token)",
    );
  if (slackUrl !== undefined && !/^https?:\/\//.test(slackUrl)) {
    problems.push(
      "--slack-url: must be an http(s) URL (a Slack incoming-webhook address)",
    );
  }
  const dashboardUrl = values["dashboard-url"];
  if (dashboardUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(dashboardUrl))
    problems.push(
      "--dashboard-url: must be the http(s) address users open the dashboard at, for example https://siskin.example.com",
    );
  for (const flag of [
    "slack-proxy-url",
    "msteams-url",
    "msteams-proxy-url",
  ] as const) {
    const value = values[flag];
    if (value !== undefined && !/^https?:\/\//.test(value))
      problems.push(`--${flag}: must be an http(s) URL`);
  }
  const noCrossNamespaceRefs = get("no-cross-namespace-refs");
  if (noCrossNamespaceRefs !== "true" && noCrossNamespaceRefs !== "false")
    problems.push("--no-cross-namespace-refs: use true or false");
  const eventWebhook = values["event-webhook"];
  if (eventWebhook !== undefined && !/^https?:\/\//.test(eventWebhook))
    problems.push("--event-webhook: must be an http(s) URL");
  const logLevel = flaggerLogLevels[get("log-level")] ?? get("log-level");
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    problems.push(
      `--log-level: "${logLevel}" is not one of ${logLevels.join(", ")} (or Flagger's warning, dpanic, panic, fatal)`,
    );
  }
  const port = Number(get("port"));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port: "${get("port")}" is not a port number`);
  const watchIdleTimeoutMs = parseDuration(get("watch-idle-timeout"));
  if (watchIdleTimeoutMs === undefined || watchIdleTimeoutMs < 1000)
    problems.push(
      `--watch-idle-timeout: "${get("watch-idle-timeout")}" is not a duration of at least 1s, like 3m`,
    );
  const minAnalysisIntervalMs = parseDuration(get("min-analysis-interval"));
  if (minAnalysisIntervalMs === undefined || minAnalysisIntervalMs <= 0) {
    problems.push(
      `--min-analysis-interval: "${get("min-analysis-interval")}" is not a duration like 10s`,
    );
  }
  const tracking = get("enable-config-tracking");
  if (tracking !== "true" && tracking !== "false")
    problems.push("--enable-config-tracking: use true or false");
  const election = get("enable-leader-election");
  if (election !== "true" && election !== "false")
    problems.push("--enable-leader-election: use true or false");
  const durations = {} as Record<
    | "leader-election-lease-duration"
    | "leader-election-renew-deadline"
    | "leader-election-retry-period",
    number
  >;
  for (const flag of [
    "leader-election-lease-duration",
    "leader-election-renew-deadline",
    "leader-election-retry-period",
  ] as const) {
    const ms = parseDuration(get(flag));
    if (ms === undefined || ms <= 0)
      problems.push(`--${flag}: "${get(flag)}" is not a duration like 10s`);
    durations[flag] = ms ?? 0;
  }
  if (
    durations["leader-election-renew-deadline"] >=
      durations["leader-election-lease-duration"] ||
    durations["leader-election-retry-period"] >=
      durations["leader-election-renew-deadline"]
  ) {
    problems.push(
      "--leader-election-*: need retry period < renew deadline < lease duration (defaults 2s, 10s, 15s)",
    );
  }
  const positive = (
    flag: "kubeconfig-qps" | "kubeconfig-burst" | "threadiness",
  ) => {
    const n = Number(get(flag));
    if (!Number.isInteger(n) || n < 1)
      problems.push(
        `--${flag}: "${get(flag)}" is not a whole number of at least 1`,
      );
    return n;
  };
  const kubeconfigQps = positive("kubeconfig-qps");
  const kubeconfigBurst = positive("kubeconfig-burst");
  const threadiness = positive("threadiness");
  const list = (text: string): string[] =>
    text
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const selectorLabels = list(get("selector-labels"));
  if (selectorLabels.length === 0)
    problems.push(
      "--selector-labels: name at least one label, for example app",
    );

  const dashboardPort = values["dashboard-port"];
  const dashboardPortNumber = Number(dashboardPort);
  if (
    dashboardPort !== undefined &&
    (!/^\d+$/.test(dashboardPort) || dashboardPortNumber > 65535)
  )
    problems.push(
      `--dashboard-port: "${dashboardPort}" is not a port number (0 picks a free one)`,
    );
  const sessionTtlMs = parseDuration(get("dashboard-session-ttl"));
  if (sessionTtlMs === undefined || sessionTtlMs < 1000)
    problems.push(
      `--dashboard-session-ttl: "${get("dashboard-session-ttl")}" is not a duration of at least 1s, like 8h`,
    );
  const secureCookie = get("dashboard-secure-cookie");
  if (secureCookie !== "true" && secureCookie !== "false")
    problems.push("--dashboard-secure-cookie: use true or false");
  const sessionSecret = get("dashboard-session-secret");
  if (!isDnsSubdomain(sessionSecret))
    problems.push(
      `--dashboard-session-secret: "${sessionSecret}" is not a Secret name`,
    );

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: Object.freeze({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      meshProvider,
      metricsServer: metricsServer.replace(/\/+$/, ""),
      gatewayApiMetrics: gatewayApiMetrics as GatewayApiFlavour,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      selectorLabels,
      includeLabelPrefix: list(get("include-label-prefix")),
      slack: {
        ...(slackUrl ? { url: slackUrl } : {}),
        ...(values["slack-channel"]
          ? { channel: values["slack-channel"] }
          : {}),
        user: get("slack-user"),
        ...(values["slack-proxy-url"]
          ? { proxy: values["slack-proxy-url"] }
          : {}),
        ...(values["slack-token"] ? { token: values["slack-token"] } : {}),
      },
      msteams: {
        ...(values["msteams-url"] ? { url: values["msteams-url"] } : {}),
        ...(values["msteams-proxy-url"]
          ? { proxy: values["msteams-proxy-url"] }
          : {}),
      },
      noCrossNamespaceRefs: noCrossNamespaceRefs === "true",
      clusterName: get("cluster-name"),
      ...(dashboardUrl ? { dashboardUrl } : {}),
      ...(eventWebhook ? { eventWebhook } : {}),
      logLevel: logLevel as OperatorConfig["logLevel"],
      port,
      minAnalysisIntervalMs: minAnalysisIntervalMs ?? 10_000,
      watchIdleTimeoutMs: watchIdleTimeoutMs ?? 180_000,
      enableConfigTracking: tracking === "true",
      kubeconfigQps,
      kubeconfigBurst,
      threadiness,
      ...(dashboardPort !== undefined
        ? {
            dashboard: {
              port: dashboardPortNumber,
              sessionTtlMs: sessionTtlMs ?? 0,
              secureCookie: secureCookie === "true",
              sessionSecret,
            },
          }
        : {}),
      leaderElection: {
        enabled: election === "true",
        // The operator's own namespace in a pod (the chart sets POD_NAMESPACE), else the watched one.
        namespace:
          values["leader-election-namespace"] ??
          process.env.POD_NAMESPACE ??
          values.namespace ??
          "default",
        leaseDurationMs: durations["leader-election-lease-duration"],
        renewDeadlineMs: durations["leader-election-renew-deadline"],
        retryPeriodMs: durations["leader-election-retry-period"],
      },
    }),
  };
}
