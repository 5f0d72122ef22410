import { join } from "node:path";

/** Where one local cluster keeps its files and which loopback ports it uses. */
export interface ClusterLayout {
  dir: string;
  binDir: string;
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager: number;
    scheduler: number;
    kwok: number;
  };
  /** The Services' address range; serviceClusterIpRange by default. */
  serviceCidr?: string;
}

export const pkiDir = (layout: ClusterLayout): string =>
  join(layout.dir, "pki");
export const kubeconfigPath = (layout: ClusterLayout): string =>
  join(layout.dir, "kubeconfig");
export const apiserverUrl = (layout: ClusterLayout): string =>
  `https://127.0.0.1:${layout.ports.apiserver}`;

/** How the harness knows a component is serving: a loopback URL that answers 200. */
export interface HealthCheck {
  url: string;
  /** Verify TLS with the cluster CA and send the admin token (the API server); otherwise plain/unverified. */
  asAdmin: boolean;
}

export interface ComponentSpec {
  name:
    | "etcd"
    | "kube-apiserver"
    | "kube-controller-manager"
    | "kube-scheduler"
    | "kwok";
  binary: string;
  args: string[];
  health: HealthCheck;
  /** Seconds the component may take to answer its health check before the start fails. */
  readyTimeoutSeconds: number;
}

/**
 * The service CIDR: a /16, so a fleet of thousands of canaries (three Services each) fits. Addresses in
 * it are handed out but never dialled (loopback only).
 */
export const serviceClusterIpRange = "10.96.0.0/16";
const podCidr = "10.1.0.0/16";

export function etcdSpec(layout: ClusterLayout): ComponentSpec {
  const { etcdClient, etcdPeer } = layout.ports;
  return {
    name: "etcd",
    binary: join(layout.binDir, "etcd"),
    args: [
      `--name=siskin-local`,
      `--data-dir=${join(layout.dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=siskin-local=http://127.0.0.1:${etcdPeer}`,
      // A throwaway test store: durability on power loss does not matter, speed does.
      "--unsafe-no-fsync=true",
      "--quota-backend-bytes=2147483648",
      "--log-level=warn",
    ],
    health: { url: `http://127.0.0.1:${etcdClient}/health`, asAdmin: false },
    readyTimeoutSeconds: 20,
  };
}

export function apiserverSpec(
  layout: ClusterLayout,
  extraArgs: string[] = [],
): ComponentSpec {
  const pki = pkiDir(layout);
  return {
    name: "kube-apiserver",
    binary: join(layout.binDir, "kube-apiserver"),
    args: [
      `--etcd-servers=http://127.0.0.1:${layout.ports.etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${layout.ports.apiserver}`,
      `--cert-dir=${join(layout.dir, "apiserver-certs")}`,
      `--tls-cert-file=${join(pki, "serving.crt")}`,
      `--tls-private-key-file=${join(pki, "serving.key")}`,
      `--client-ca-file=${join(pki, "ca.crt")}`,
      `--token-auth-file=${join(layout.dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${join(pki, "sa.key")}`,
      `--service-account-signing-key-file=${join(pki, "sa.key")}`,
      `--service-cluster-ip-range=${layout.serviceCidr ?? serviceClusterIpRange}`,
      "--allow-privileged=true",
      // The default reconciler would publish 127.0.0.1 as the kubernetes Service endpoint, which
      // validation rejects as loopback; nothing in the tests dials that Service anyway.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
      "--v=1",
      ...extraArgs,
    ],
    health: { url: `${apiserverUrl(layout)}/readyz`, asAdmin: true },
    readyTimeoutSeconds: 60,
  };
}

/** Flags both kube-controller-manager and kube-scheduler take to reach and secure themselves. */
function clientFlags(layout: ClusterLayout, port: number): string[] {
  const kubeconfig = kubeconfigPath(layout);
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    "--leader-elect=false",
    "--v=1",
  ];
}

export function controllerManagerSpec(layout: ClusterLayout): ComponentSpec {
  const port = layout.ports.controllerManager;
  return {
    name: "kube-controller-manager",
    binary: join(layout.binDir, "kube-controller-manager"),
    args: [
      ...clientFlags(layout, port),
      `--cert-dir=${join(layout.dir, "controller-manager-certs")}`,
      `--root-ca-file=${join(pkiDir(layout), "ca.crt")}`,
      `--service-account-private-key-file=${join(pkiDir(layout), "sa.key")}`,
      `--service-cluster-ip-range=${layout.serviceCidr ?? serviceClusterIpRange}`,
      `--cluster-cidr=${podCidr}`,
      "--use-service-account-credentials=false",
      // Faster garbage collection and ReplicaSet turnover than production defaults, same behaviour;
      // client limits of a managed control plane rather than the 20 QPS default, so fleets of
      // thousands of Deployments roll out as they would on EKS.
      "--concurrent-gc-syncs=10",
      "--concurrent-deployment-syncs=10",
      "--concurrent-replicaset-syncs=10",
      "--kube-api-qps=200",
      "--kube-api-burst=400",
    ],
    health: { url: `https://127.0.0.1:${port}/healthz`, asAdmin: false },
    readyTimeoutSeconds: 40,
  };
}

export function schedulerSpec(layout: ClusterLayout): ComponentSpec {
  const port = layout.ports.scheduler;
  return {
    name: "kube-scheduler",
    binary: join(layout.binDir, "kube-scheduler"),
    args: [
      ...clientFlags(layout, port),
      `--cert-dir=${join(layout.dir, "scheduler-certs")}`,
      "--kube-api-qps=200",
      "--kube-api-burst=400",
    ],
    health: { url: `https://127.0.0.1:${port}/healthz`, asAdmin: false },
    readyTimeoutSeconds: 40,
  };
}

/** The annotation kwok looks for; only nodes carrying it are simulated. */
export const kwokNodeAnnotation = "kwok.x-k8s.io/node";

export function kwokSpec(layout: ClusterLayout): ComponentSpec {
  return {
    name: "kwok",
    binary: join(layout.binDir, "kwok"),
    args: [
      `--kubeconfig=${kubeconfigPath(layout)}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
      "--cidr=10.1.0.1/16",
      "--node-ip=10.0.1.1",
      `--server-address=127.0.0.1:${layout.ports.kwok}`,
      "--node-lease-duration-seconds=40",
    ],
    health: {
      url: `http://127.0.0.1:${layout.ports.kwok}/healthz`,
      asAdmin: false,
    },
    readyTimeoutSeconds: 30,
  };
}
