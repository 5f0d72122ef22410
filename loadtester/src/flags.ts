// Load tester flags -> config. Every problem is reported at once, naming its flag.
import { strictArgs } from "../../src/util/args.ts";
import { parseDuration } from "../../src/util/durations.ts";

export interface LoadTesterConfig {
  port: number;
  listenAddress: string;
  namespacePattern: RegExp;
  allowCommands: string[];
  allowAnyCommand: boolean;
  taskTimeoutMs: number;
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
} as const;

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
  const taskTimeoutMs = parseDuration(values["task-timeout"]);
  if (taskTimeoutMs === undefined || taskTimeoutMs <= 0)
    problems.push(
      `--task-timeout: "${values["task-timeout"]}" is not a duration like 1h`,
    );
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
      taskTimeoutMs: taskTimeoutMs ?? 3_600_000,
      gates,
      logLevel: values["log-level"],
    },
  };
}
