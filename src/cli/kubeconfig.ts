// How kubectl-siskin reaches the cluster: the kubeconfig read as kubectl reads it, by
// @kubernetes/client-node (auth-provider, a cluster's proxy-url, exec plugins returning tokens or client
// certificates), plus kubectl's connection flags (--server, --token, --insecure-skip-tls-verify, --as,
// --as-group, --request-timeout). Exec plugins that may ask the user something (interactiveMode, as
// kubelogin's device code does) run here with the terminal attached, as kubectl runs them. The operator
// keeps its own small loader (src/kube/client/kubeconfig.ts): client-node costs memory a CLI can spend.
import { spawnSync } from "node:child_process";
import type { Agent } from "node:http";
import type { RequestOptions } from "node:https";
import { KubeConfig, type User } from "@kubernetes/client-node";
import type { ClusterAccess } from "../kube/client/kubeconfig.ts";
import { parseDuration } from "../util/durations.ts";

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  as?: string;
  asGroup?: string[];
  requestTimeout?: string;
}

export interface CliConnection {
  access: ClusterAccess;
  agent: Agent;
  headers: Record<string, string | string[]>;
  authorization: () => Promise<string | undefined>;
  requestTimeoutMs?: number;
}

/** Flags that change the kubeconfig's cluster and user, as kubectl applies them. */
function withFlags(kc: KubeConfig, flags: ConnectionFlags): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!cluster && !flags.server)
    throw new Error(
      "no cluster in the kubeconfig: pass --kubeconfig, --context or --server",
    );
  const name = "kubectl-siskin";
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [
      {
        ...(cluster ?? {}),
        name,
        server: flags.server ?? cluster?.server ?? "",
        skipTLSVerify:
          flags.insecureSkipTlsVerify ?? cluster?.skipTLSVerify ?? false,
      },
    ],
    users: [
      flags.token
        ? { name, token: flags.token }
        : { ...(user ?? {}), name: user?.name ?? name },
    ],
    contexts: [
      {
        name,
        cluster: name,
        user: flags.token ? name : (user?.name ?? name),
        ...(context?.namespace ? { namespace: context.namespace } : {}),
      },
    ],
    currentContext: name,
  });
  return out;
}

/**
 * An exec plugin that may ask the user (interactiveMode IfAvailable or Always) with a terminal at hand:
 * run it with stdin and stderr attached, and put what it returned (a token or a client certificate)
 * in the user's place, so its prompt is seen and answered.
 */
function runInteractiveExec(kc: KubeConfig): void {
  const user = kc.getCurrentUser() as
    | (User & {
        exec?: {
          command: string;
          args?: string[];
          env?: { name: string; value: string }[];
          interactiveMode?: string;
          apiVersion?: string;
        };
      })
    | null;
  const exec = user?.exec;
  if (!user || !exec || exec.interactiveMode === "Never") return;
  if (!process.stdin.isTTY) {
    if (exec.interactiveMode === "Always")
      throw new Error(
        `the exec plugin ${exec.command} needs a terminal (interactiveMode: Always); run kubectl-siskin from one`,
      );
    return; // IfAvailable without a terminal: client-node runs it non-interactively
  }
  const env = { ...process.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    spec: { interactive: true },
  });
  const result = spawnSync(exec.command, exec.args ?? [], {
    env,
    stdio: ["inherit", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (result.error || result.status !== 0)
    throw new Error(
      `the exec plugin ${exec.command} failed${result.error ? `: ${result.error.message}` : ` (exit ${result.status})`}`,
    );
  const credential = JSON.parse(result.stdout) as {
    status?: {
      token?: string;
      clientCertificateData?: string;
      clientKeyData?: string;
    };
  };
  const status = credential.status ?? {};
  const replaced: User = {
    name: user.name,
    ...(status.token ? { token: status.token } : {}),
    ...(status.clientCertificateData
      ? {
          certData: Buffer.from(status.clientCertificateData).toString(
            "base64",
          ),
        }
      : {}),
    ...(status.clientKeyData
      ? { keyData: Buffer.from(status.clientKeyData).toString("base64") }
      : {}),
  };
  const users = kc.getUsers().map((u) => (u.name === user.name ? replaced : u));
  const contexts = kc.getContexts();
  const clusters = kc.getClusters();
  kc.loadFromOptions({
    clusters,
    users,
    contexts,
    currentContext: kc.getCurrentContext(),
  });
}

export async function cliConnection(
  flags: ConnectionFlags,
): Promise<CliConnection> {
  const loaded = new KubeConfig();
  if (flags.kubeconfig) loaded.loadFromFile(flags.kubeconfig);
  else loaded.loadFromDefault();
  if (flags.context) {
    if (!loaded.getContextObject(flags.context))
      throw new Error(`--context ${flags.context}: no such context`);
    loaded.setCurrentContext(flags.context);
  }
  const kc = withFlags(loaded, flags);
  if (!flags.token) runInteractiveExec(kc);
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const cluster = kc.getCurrentCluster()!;
  const basic = options.auth
    ? `Basic ${Buffer.from(options.auth).toString("base64")}`
    : undefined;
  // Tokens from exec plugins and auth providers expire: asked again (client-node caches them).
  const authorization = async () => {
    if (basic) return basic;
    const fresh: RequestOptions = {};
    await kc.applyToHTTPSOptions(fresh);
    const header = (fresh.headers as Record<string, string> | undefined)
      ?.Authorization;
    return header;
  };
  const headers: Record<string, string | string[]> = {
    ...(flags.as ? { "Impersonate-User": flags.as } : {}),
    ...(flags.asGroup?.length ? { "Impersonate-Group": flags.asGroup } : {}),
  };
  if (flags.asGroup?.length && !flags.as)
    throw new Error("--as-group needs --as, as kubectl's");
  const requestTimeoutMs =
    flags.requestTimeout && flags.requestTimeout !== "0"
      ? parseDuration(flags.requestTimeout)
      : undefined;
  if (flags.requestTimeout && flags.requestTimeout !== "0" && !requestTimeoutMs)
    throw new Error(
      `--request-timeout ${flags.requestTimeout}: write a duration such as 30s`,
    );
  const namespace =
    flags.namespace ??
    kc.getContextObject(kc.getCurrentContext())?.namespace ??
    "default";
  return {
    access: {
      server: cluster.server.replace(/\/+$/, ""),
      insecureSkipTlsVerify: cluster.skipTLSVerify ?? false,
      namespace,
      credentials: { type: "none" },
      source: flags.kubeconfig ?? "kubeconfig",
    },
    agent: options.agent as Agent,
    headers,
    authorization,
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
  };
}
