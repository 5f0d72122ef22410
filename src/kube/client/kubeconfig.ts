// Where the API server is and how to authenticate, from a kubeconfig file or the pod's service account.
// The operator loads this once; @kubernetes/client-node is not used at run time because importing it
// alone costs ~75 MiB of resident memory (see docs/fleet.md).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { SiskinError } from "../../util/errors.ts";

/** An exec credential plugin (client.authentication.k8s.io), as `aws eks get-token` is. */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: string;
}

export type Credentials =
  | { type: "none" }
  | { type: "token"; token: string }
  /** Re-read periodically: projected service-account tokens rotate. */
  | { type: "tokenFile"; path: string }
  | { type: "basic"; username: string; password: string }
  | { type: "exec"; exec: ExecConfig };

export interface ClusterAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** The context's namespace (or the pod's), "default" when none is set. */
  namespace: string;
  credentials: Credentials;
  /** Where this came from, for messages. */
  source: string;
}

export interface LoadOptions {
  /** A kubeconfig path (--kubeconfig); otherwise $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** A context name (--context); otherwise the file's current-context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

type Fields = Record<string, unknown>;

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: { name: string; cluster?: Fields }[];
  users?: { name: string; user?: Fields }[];
  contexts?: { name: string; context?: Fields }[];
}

const configError = (message: string) => new SiskinError("CONFIG", message);

export function loadClusterAccess(options: LoadOptions = {}): ClusterAccess {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return fromFiles([options.kubeconfig], options);
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(":").filter(Boolean);
    return fromFiles(files, options);
  }
  const home = join(options.home ?? homedir(), ".kube", "config");
  if (existsSync(home)) return fromFiles([home], options);
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env);
  throw configError(
    "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod",
  );
}

/** The pod's service account: token file (re-read as it rotates), CA and namespace. */
export function inCluster(env: NodeJS.ProcessEnv): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  const namespaceFile = join(serviceAccountDir, "namespace");
  return {
    server: `https://${hostPart}:${port}`,
    ca: readFileSync(join(serviceAccountDir, "ca.crt")),
    insecureSkipTlsVerify: false,
    namespace: existsSync(namespaceFile)
      ? readFileSync(namespaceFile, "utf8").trim()
      : "default",
    credentials: { type: "tokenFile", path: join(serviceAccountDir, "token") },
    source: "in-cluster service account",
  };
}

/** A kubeconfig given as text (for example exported from another client). */
export function clusterAccessFromText(
  text: string,
  options: LoadOptions = {},
): ClusterAccess {
  return fromDocuments(
    [{ doc: parseDocument(text, "(text)"), dir: "." }],
    "(text)",
    options,
  );
}

function parseDocument(text: string, file: string): KubeconfigFile {
  try {
    return (parse(text) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw configError(
      `kubeconfig ${file} is not valid YAML: ${(error as Error).message}`,
    );
  }
}

/** Merges files as kubectl does (the first file to name a cluster, user or context wins). */
function fromFiles(files: string[], options: LoadOptions): ClusterAccess {
  const docs: { doc: KubeconfigFile; dir: string }[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      if (files.length === 1)
        throw configError(`kubeconfig ${file} does not exist`);
      continue;
    }
    docs.push({
      doc: parseDocument(readFileSync(file, "utf8"), file),
      dir: dirname(file),
    });
  }
  return fromDocuments(docs, files.join(":"), options);
}

function fromDocuments(
  docs: { doc: KubeconfigFile; dir: string }[],
  source: string,
  options: LoadOptions,
): ClusterAccess {
  const merged: Required<KubeconfigFile> = {
    "current-context": "",
    clusters: [],
    users: [],
    contexts: [],
  };
  const baseDirs = new Map<object, string>();
  for (const { doc, dir } of docs) {
    merged["current-context"] ||= doc["current-context"] ?? "";
    for (const key of ["clusters", "users", "contexts"] as const) {
      for (const entry of doc[key] ?? []) {
        const list = merged[key] as { name: string }[];
        if (list.some((e) => e.name === entry.name)) continue;
        list.push(entry);
        baseDirs.set(entry, dir);
      }
    }
  }
  const contextName = options.context ?? merged["current-context"];
  if (!contextName)
    throw configError(
      `kubeconfig ${source} has no current-context; pass --context`,
    );
  const context = merged.contexts.find((c) => c.name === contextName);
  if (!context)
    throw configError(
      `context "${contextName}" not found in ${source}; known: ${merged.contexts.map((c) => c.name).join(", ") || "none"}`,
    );
  const ctx = context.context ?? {};
  const clusterEntry = merged.clusters.find((c) => c.name === ctx.cluster);
  const userEntry = merged.users.find((u) => u.name === ctx.user);
  if (!clusterEntry)
    throw configError(
      `context "${contextName}" names cluster "${String(ctx.cluster)}", which ${source} does not define`,
    );
  const cluster = clusterEntry.cluster ?? {};
  const user = userEntry?.user;
  const clusterDir = baseDirs.get(clusterEntry) ?? ".";
  const userDir = (userEntry && baseDirs.get(userEntry)) ?? ".";
  if (cluster["proxy-url"])
    throw configError(
      `cluster "${clusterEntry.name}" uses proxy-url, which Siskin does not support; reach the API server directly`,
    );
  const server = String(cluster.server ?? "");
  if (!/^https?:\/\//.test(server))
    throw configError(
      `cluster "${clusterEntry.name}" in ${source} has no server URL`,
    );
  const ca = material(cluster, "certificate-authority", clusterDir);
  const cert = user ? material(user, "client-certificate", userDir) : undefined;
  const key = user ? material(user, "client-key", userDir) : undefined;
  return {
    server: server.replace(/\/+$/, ""),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    ...(typeof cluster["tls-server-name"] === "string"
      ? { tlsServerName: cluster["tls-server-name"] }
      : {}),
    namespace:
      typeof ctx.namespace === "string" && ctx.namespace
        ? ctx.namespace
        : "default",
    credentials: credentials(user, userDir, String(ctx.user ?? "")),
    source: `${source} (context ${contextName})`,
  };
}

/** `<name>-data` (base64) or `<name>` (a path relative to the kubeconfig file). */
function material(
  entry: Fields,
  name: string,
  baseDir: string,
): Buffer | undefined {
  const data = entry[`${name}-data`];
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  const path = entry[name];
  if (typeof path === "string" && path)
    return readFileSync(isAbsolute(path) ? path : join(baseDir, path));
  return undefined;
}

function credentials(
  user: Fields | undefined,
  baseDir: string,
  userName: string,
): Credentials {
  if (!user) return { type: "none" };
  if (typeof user.token === "string" && user.token)
    return { type: "token", token: user.token };
  if (typeof user.tokenFile === "string" && user.tokenFile) {
    const path = user.tokenFile;
    return {
      type: "tokenFile",
      path: isAbsolute(path) ? path : join(baseDir, path),
    };
  }
  if (typeof user.username === "string" && typeof user.password === "string")
    return { type: "basic", username: user.username, password: user.password };
  const exec = user.exec as Fields | undefined;
  if (exec) {
    if (typeof exec.command !== "string" || !exec.command)
      throw configError(`user "${userName}": exec.command is missing`);
    const env: Record<string, string> = {};
    for (const e of (exec.env ?? []) as { name: string; value: string }[])
      env[e.name] = e.value;
    return {
      type: "exec",
      exec: {
        command: exec.command,
        args: ((exec.args ?? []) as unknown[]).map(String),
        env,
        apiVersion: String(
          exec.apiVersion ?? "client.authentication.k8s.io/v1",
        ),
      },
    };
  }
  if (user["auth-provider"])
    throw configError(
      `user "${userName}" uses an auth-provider, which Siskin does not support; use an exec credential plugin (for example gke-gcloud-auth-plugin or kubelogin)`,
    );
  return { type: "none" };
}
