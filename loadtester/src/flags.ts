// Load tester flags -> config. Every problem is reported at once, naming its flag.
import { strictArgs } from "../../src/util/args.ts";
import { parseDuration } from "../../src/util/durations.ts";
import { defaultLimits, type LoadTesterLimits } from "./limits.ts";

export interface LoadTesterConfig {
  port: number;
  listenAddress: string;
  namespacePattern: RegExp;
  allowCommands: string[];
  allowAnyCommand: boolean;
  /** Caps on what a request may ask; limits.taskTimeoutMs is --task-timeout. */
  limits: LoadTesterLimits;
  /** Gate state: a file outside a cluster, or a ConfigMap namespace/name inside one. */
  gates:
    | { file: string }
    | { configMap: { namespace: string; name: string }; kubeconfig?: string };
  logLevel: string;
}

const options = {
  port: { type: "string", default: "8080" },
  "listen-address": { type: "string", default: "0.0.0.0" },
  "namespace-regexp": { type: "string", default: ".*" },
  "allow-command": { type: "string", default: "hey,curl,grep" },
  "allow-any-command": { type: "boolean", default: false },
  "task-timeout": { type: "string", default: "1h" },
  "gates-file": { type: "string" },
  "gates-configmap": { type: "string" },
  kubeconfig: { type: "string" },
  "log-level": { type: "string", default: "info" },
  "max-tasks": { type: "string", default: String(defaultLimits.maxTasks) },
  "max-tasks-per-namespace": {
    type: "string",
    default: String(defaultLimits.maxTasksPerNamespace),
  },
  "max-concurrency": {
    type: "string",
    default: String(defaultLimits.maxConcurrency),
  },
  "max-requests": {
    type: "string",
    default: String(defaultLimits.maxRequests),
  },
  "max-duration": { type: "string", default: "1h" },
  "max-request-timeout": { type: "string", default: "5m" },
  "max-open-gates": {
    type: "string",
    default: String(defaultLimits.maxOpenGates),
  },
} as const;

/** A positive whole number flag, or a problem naming it. */
function count(flag: string, raw: string, problems: string[]): number {
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  problems.push(`--${flag}: "${raw}" is not a whole number above 0`);
  return 1;
}

/** A positive duration flag, or a problem naming it. */
function duration(flag: string, raw: string, problems: string[]): number {
  const ms = parseDuration(raw);
  if (ms !== undefined && ms > 0) return ms;
  problems.push(`--${flag}: "${raw}" is not a duration like 1h`);
  return 1;
}

export function parseLoadTesterFlags(
  argv: string[],
): { ok: true; config: LoadTesterConfig } | { ok: false; problems: string[] } {
  const parsed = strictArgs(argv, options);
  if (!parsed.ok) return parsed;
  const values = parsed.values;
  const problems: string[] = [];
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port: "${values.port}" is not a port number`);
  let namespacePattern = /^.*$/;
  try {
    // Anchored: "apps|test" allows exactly those namespaces, not every name containing them.
    namespacePattern = new RegExp(`^(?:${values["namespace-regexp"]})$`);
  } catch (error) {
    problems.push(`--namespace-regexp: ${(error as Error).message}`);
  }
  const limits: LoadTesterLimits = {
    maxTasks: count("max-tasks", values["max-tasks"], problems),
    maxTasksPerNamespace: count(
      "max-tasks-per-namespace",
      values["max-tasks-per-namespace"],
      problems,
    ),
    maxConcurrency: count(
      "max-concurrency",
      values["max-concurrency"],
      problems,
    ),
    maxRequests: count("max-requests", values["max-requests"], problems),
    maxDurationMs: duration("max-duration", values["max-duration"], problems),
    maxRequestTimeoutMs: duration(
      "max-request-timeout",
      values["max-request-timeout"],
      problems,
    ),
    taskTimeoutMs: duration("task-timeout", values["task-timeout"], problems),
    maxOpenGates: count("max-open-gates", values["max-open-gates"], problems),
    maxCommandBytes: defaultLimits.maxCommandBytes,
  };
  const file = values["gates-file"];
  const cm = values["gates-configmap"];
  let gates: LoadTesterConfig["gates"] = {
    file: file ?? "loadtester-gates.json",
  };
  if (file && cm)
    problems.push("--gates-file and --gates-configmap: choose one");
  if (cm) {
    const [namespace, name, extra] = cm.split("/");
    if (!namespace || !name || extra !== undefined)
      problems.push(`--gates-configmap: "${cm}" is not namespace/name`);
    else
      gates = {
        configMap: { namespace, name },
        ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
      };
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      port,
      listenAddress: values["listen-address"],
      namespacePattern,
      allowCommands: values["allow-command"]
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
      allowAnyCommand: values["allow-any-command"],
      limits,
      gates,
      logLevel: values["log-level"],
    },
  };
}
