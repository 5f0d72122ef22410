import { execFile, execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  KubeConfig,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { glooCrds } from "../crds/gloo.ts";
import { stringify } from "yaml";
import {
  apiserverSpec,
  apiserverUrl,
  controllerManagerSpec,
  etcdSpec,
  kubeconfigPath,
  kwokSpec,
  pkiDir,
  schedulerSpec,
  type ClusterLayout,
  type ComponentSpec,
} from "./components.ts";
import { ComponentProcess, residentBytes } from "./process.ts";
import { probe } from "./http-probe.ts";
import {
  assertComponentsAlive,
  saveState,
  type ClusterState,
} from "./state.ts";

export {
  assertComponentsAlive,
  readClusterState,
  stopClusterByState,
  type ClusterState,
} from "./state.ts";
import { waitForComponent, type WaitTarget } from "./wait.ts";
import { freeLoopbackPorts } from "./ports.ts";
import {
  areCrdsEstablished,
  createFakeNode,
  hasDefaultServiceAccount,
  installCrds,
  isNodeReady,
  readCrds,
} from "./bootstrap.ts";

const run = promisify(execFile);
export const repoRoot = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../..",
);

export interface StartOptions {
  /** Folder for the cluster's data, logs and kubeconfig; a fresh temporary folder by default. */
  dir?: string;
  /** Folder with the built binaries; built (or taken from the cache) by test/k8sbin/build.sh by default. */
  binDir?: string;
  /** CRDs to install on start; default defaultCrds(). */
  crds?: V1CustomResourceDefinition[];
  /**
   * The Services' address range (default 10.96.0.0/16). A loopback range (127.96.0.0/16) lets a real
   * gateway reach Services by their ClusterIP on this machine, where the simulators listen.
   */
  serviceCidr?: string;
  /** Extra kube-apiserver flags (for example an audit policy while investigating who writes what). */
  apiserverArgs?: string[];
  /** Called as each component's process starts (tests use it to inject failures). */
  onComponentStarted?: (component: ComponentProcess) => void;
  log?: (message: string) => void;
}

/**
 * Siskin's CRDs, Gateway API's standard channel (from its Go module, scripts/gateway-api-crds.sh), and
 * Gloo's: the schemas written in dev/crds/gloo.ts, or the real ones from CLUSTER_GLOO_CRDS_DIR when it
 * is set (to try a change against Gloo's own CRDs by hand). Tests and CI run with ours, as a fresh
 * clone does; test/ship/gloo-crds.test.ts compares them with the real ones (GLOO_CRDS_DIR).
 */
export function defaultCrds(): V1CustomResourceDefinition[] {
  const own = readCrds(join(repoRoot, "crds"));
  const dir = process.env.CLUSTER_GLOO_CRDS_DIR;
  const gloo = dir
    ? realGlooCrds(dir, "CLUSTER_GLOO_CRDS_DIR")
    : (glooCrds() as unknown as V1CustomResourceDefinition[]);
  return [...gloo, ...gatewayApiCrds(), ...own];
}

/** Gateway API's standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant). */
export function gatewayApiCrds(): V1CustomResourceDefinition[] {
  const dir = execFileSync(
    "bash",
    [join(repoRoot, "scripts/gateway-api-crds.sh")],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  ).trim();
  return readCrds(dir);
}

/** Gloo's own CRD files from a folder named by an environment variable. */
export function realGlooCrds(
  dir: string,
  variable: string,
): V1CustomResourceDefinition[] {
  if (!existsSync(dir))
    throw new Error(
      `${variable}=${dir} does not exist: point it at a folder of Gloo CRD YAML files, or unset it`,
    );
  return readCrds(dir);
}

/**
 * Builds the binaries if the cache lacks them and returns their folder. build.sh's progress lines (what
 * it builds, elapsed time every 15 s, the total) go to `log` as they come, so a first run that builds
 * for minutes says so instead of going silent.
 */
export async function ensureBinaries(
  log: (message: string) => void = () => {},
): Promise<string> {
  log("resolving cluster binaries (test/k8sbin/build.sh)");
  const child = spawn("bash", [join(repoRoot, "test/k8sbin/build.sh")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8");
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr = `${stderr}${line}\n`.slice(-8192);
    // go's own download lines are many and say little; the script's progress lines say enough.
    if (!line.startsWith("go: ")) log(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  const binDir = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !existsSync(join(binDir, "k8s")))
    throw new Error(
      `test/k8sbin/build.sh failed (exit ${code}); its last output:\n${stderr}`,
    );
  return binDir;
}

/**
 * A running local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok,
 * each a process on 127.0.0.1. Only the process that started it holds the ComponentProcess handles;
 * others attach through `state.json` (see `readClusterState`).
 */
export class LocalCluster {
  readonly state: ClusterState;
  readonly components: ComponentProcess[];
  /** How each component was started, so it can be started again (see restart). */
  readonly launchers = new Map<string, () => Promise<ComponentProcess>>();

  constructor(state: ClusterState, components: ComponentProcess[]) {
    this.state = state;
    this.components = components;
  }

  /** Stops one component (SIGTERM) and starts it again with the same flags; resolves once healthy. */
  async restart(name: ComponentSpec["name"]): Promise<void> {
    const index = this.components.findIndex((c) => c.name === name);
    const launcher = this.launchers.get(name);
    if (index < 0 || !launcher) throw new Error(`no component ${name}`);
    await this.components[index]?.stop();
    this.components.splice(index, 1);
    this.state.components = this.state.components.filter(
      (c) => c.name !== name,
    );
    await launcher();
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.state.kubeconfig);
    return kc;
  }

  /** Throws a ComponentError naming the first component that died without being asked to. */
  assertHealthy(): void {
    assertComponentsAlive(this.state);
  }

  residentBytes(): number {
    return this.components.reduce((sum, c) => sum + residentBytes(c.pid), 0);
  }

  /** Lets this process exit while the components keep running (cluster:up). */
  detach(): void {
    for (const component of this.components) component.child.unref();
  }

  /** Stops every component, newest first, so clients go before the API server and etcd. */
  async stop(options: { removeDir?: boolean } = {}): Promise<void> {
    for (const component of [...this.components].reverse())
      await component.stop();
    if (options.removeDir)
      rmSync(this.state.dir, { recursive: true, force: true });
  }
}

export async function startCluster(
  options: StartOptions = {},
): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const binDir = options.binDir ?? (await ensureBinaries(log));
  const crds = options.crds ?? defaultCrds();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "siskin-cluster-"));
  mkdirSync(dir, { recursive: true });

  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] =
    await freeLoopbackPorts(6);
  const layout: ClusterLayout = {
    dir,
    binDir,
    ports: {
      etcdClient,
      etcdPeer,
      apiserver,
      controllerManager,
      scheduler,
      kwok,
    } as ClusterLayout["ports"],
    ...(options.serviceCidr ? { serviceCidr: options.serviceCidr } : {}),
  };
  const token = randomBytes(24).toString("hex");
  await writePki(layout);
  writeFileSync(
    join(dir, "tokens.csv"),
    `${token},siskin-admin,siskin-admin,"system:masters"\n`,
    {
      mode: 0o600,
    },
  );
  const caFile = join(pkiDir(layout), "ca.crt");
  writeKubeconfig(
    kubeconfigPath(layout),
    apiserverUrl(layout),
    readFileSync(caFile, "utf8"),
    token,
  );

  const components: ComponentProcess[] = [];
  const cluster = new LocalCluster(
    {
      dir,
      binDir,
      kubeconfig: kubeconfigPath(layout),
      server: apiserverUrl(layout),
      token,
      caFile,
      components: [],
      startSeconds: 0,
    },
    components,
  );
  const ca = readFileSync(caFile, "utf8");
  const launch = async (specs: ComponentSpec[]): Promise<void> => {
    const procs = specs.map((spec) => {
      cluster.launchers.set(spec.name, async () => {
        await launch([spec]);
        return components[components.length - 1] as ComponentProcess;
      });
      log(`starting ${spec.name}`);
      const proc = new ComponentProcess(
        spec.name,
        spec.binary,
        spec.args,
        join(dir, `${spec.name}.log`),
      );
      components.push(proc);
      cluster.state.components.push({
        name: spec.name,
        pid: proc.pid,
        logPath: proc.logPath,
      });
      saveState(cluster.state); // so cluster:down can stop a half-started cluster too
      options.onComponentStarted?.(proc);
      return { spec, proc };
    });
    await Promise.all(
      procs.map(({ spec, proc }) =>
        waitForComponent(
          asWaitTarget(proc),
          "a healthy answer from " + spec.health.url,
          async () => {
            const answer = await probe(
              spec.health.url,
              spec.health.asAdmin ? { ca, bearerToken: token } : {},
            );
            return answer.status === 200;
          },
          spec.readyTimeoutSeconds,
        ),
      ),
    );
  };

  try {
    await launch([etcdSpec(layout)]);
    await launch([apiserverSpec(layout, options.apiserverArgs)]);
    // CRDs before the controller-manager: its garbage collector discovers resource types at start and then
    // only every 30 s, so owned Gloo objects of a Canary deleted in the first half-minute would linger.
    await installEstablishedCrds(cluster, crds, log);
    await launch([
      controllerManagerSpec(layout),
      schedulerSpec(layout),
      kwokSpec(layout),
    ]);
    await bootstrap(cluster, log);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  cluster.state.startSeconds = (Date.now() - started) / 1000;
  saveState(cluster.state);
  log(`cluster ready in ${cluster.state.startSeconds.toFixed(1)}s`);
  return cluster;
}

function componentNamed(cluster: LocalCluster, name: string): WaitTarget {
  const proc = cluster.components.find((c) => c.name === name);
  if (!proc) throw new Error(`no component ${name}`);
  return asWaitTarget(proc);
}

async function installEstablishedCrds(
  cluster: LocalCluster,
  crds: V1CustomResourceDefinition[],
  log: (m: string) => void,
): Promise<void> {
  const kc = cluster.kubeConfig();
  log("installing CRDs");
  const crdNames = await installCrds(kc, crds);
  await waitForComponent(
    componentNamed(cluster, "kube-apiserver"),
    `CRDs ${crdNames.join(", ")} to be Established`,
    () => areCrdsEstablished(kc, crdNames),
    30,
  );
}

/** Cluster-level readiness: a Ready fake node and working controllers. */
async function bootstrap(
  cluster: LocalCluster,
  log: (m: string) => void,
): Promise<void> {
  const kc = cluster.kubeConfig();
  const byName = (name: string): WaitTarget => componentNamed(cluster, name);
  log("creating the fake kwok node");
  await createFakeNode(kc);
  await Promise.all([
    waitForComponent(
      byName("kwok"),
      "the fake node to become Ready",
      () => isNodeReady(kc),
      30,
    ),
    waitForComponent(
      byName("kube-controller-manager"),
      "the default ServiceAccount",
      () => hasDefaultServiceAccount(kc),
      30,
    ),
  ]);
}

function asWaitTarget(proc: ComponentProcess): WaitTarget {
  return {
    name: proc.name,
    logPath: proc.logPath,
    deadReason: () => (proc.exit ? proc.describeExit() : undefined),
  };
}

async function writePki(layout: ClusterLayout): Promise<void> {
  await run(join(layout.binDir, "k8s"), ["certs", `--dir=${pkiDir(layout)}`]);
}

function writeKubeconfig(
  path: string,
  server: string,
  caPem: string,
  token: string,
): void {
  const name = "siskin-local";
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: {
          server,
          "certificate-authority-data": Buffer.from(caPem).toString("base64"),
        },
      },
    ],
    users: [{ name: "siskin-admin", user: { token } }],
    contexts: [
      {
        name,
        context: { cluster: name, user: "siskin-admin", namespace: "default" },
      },
    ],
    "current-context": name,
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
