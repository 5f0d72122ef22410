// Operator flags -> one frozen config object. Every problem is reported at once, each naming its flag.
import { parseArgs } from "node:util";
import { parseDuration } from "../util/durations.ts";

export interface OperatorConfig {
  kubeconfig?: string;
  meshProvider: string;
  metricsServer: string;
  namespace?: string;
  selectorLabels: string[];
  includeLabelPrefix: string[];
  slack: { url?: string; channel?: string; user: string };
  clusterName: string;
  /** Receives every Canary event as a webhook (like an `event` hook on every Canary). */
  eventWebhook?: string;
  logLevel: "debug" | "info" | "warn" | "error";
  port: number;
  minAnalysisIntervalMs: number;
  enableConfigTracking: boolean;
}

export type ConfigResult =
  | { ok: true; config: Readonly<OperatorConfig> }
  | { ok: false; problems: string[] };

const options = {
  kubeconfig: { type: "string" },
  "mesh-provider": { type: "string", default: "kubernetes" },
  "metrics-server": { type: "string", default: "http://prometheus:9090" },
  namespace: { type: "string" },
  "selector-labels": {
    type: "string",
    default: "app,name,app.kubernetes.io/name",
  },
  "include-label-prefix": { type: "string", default: "" },
  "slack-url": { type: "string" },
  "slack-channel": { type: "string" },
  "slack-user": { type: "string", default: "siskin" },
  "cluster-name": { type: "string", default: "" },
  "event-webhook": { type: "string" },
  "log-level": { type: "string", default: "info" },
  port: { type: "string", default: "8080" },
  "min-analysis-interval": { type: "string", default: "10s" },
  "enable-config-tracking": { type: "string", default: "true" },
} as const;

const logLevels = ["debug", "info", "warn", "error"] as const;

export function parseOperatorFlags(
  argv: string[],
  knownProviders: readonly string[],
): ConfigResult {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
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
  const slackUrl = values["slack-url"];
  if (slackUrl !== undefined && !/^https?:\/\//.test(slackUrl)) {
    problems.push(
      "--slack-url: must be an http(s) URL (a Slack incoming-webhook address)",
    );
  }
  const eventWebhook = values["event-webhook"];
  if (eventWebhook !== undefined && !/^https?:\/\//.test(eventWebhook))
    problems.push("--event-webhook: must be an http(s) URL");
  const logLevel = get("log-level");
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    problems.push(
      `--log-level: "${logLevel}" is not one of ${logLevels.join(", ")}`,
    );
  }
  const port = Number(get("port"));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port: "${get("port")}" is not a port number`);
  const minAnalysisIntervalMs = parseDuration(get("min-analysis-interval"));
  if (minAnalysisIntervalMs === undefined || minAnalysisIntervalMs <= 0) {
    problems.push(
      `--min-analysis-interval: "${get("min-analysis-interval")}" is not a duration like 10s`,
    );
  }
  const tracking = get("enable-config-tracking");
  if (tracking !== "true" && tracking !== "false")
    problems.push("--enable-config-tracking: use true or false");
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

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: Object.freeze({
      ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      meshProvider,
      metricsServer: metricsServer.replace(/\/+$/, ""),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      selectorLabels,
      includeLabelPrefix: list(get("include-label-prefix")),
      slack: {
        ...(slackUrl ? { url: slackUrl } : {}),
        ...(values["slack-channel"]
          ? { channel: values["slack-channel"] }
          : {}),
        user: get("slack-user"),
      },
      clusterName: get("cluster-name"),
      ...(eventWebhook ? { eventWebhook } : {}),
      logLevel: logLevel as OperatorConfig["logLevel"],
      port,
      minAnalysisIntervalMs: minAnalysisIntervalMs ?? 10_000,
      enableConfigTracking: tracking === "true",
    }),
  };
}
