import { describe, expect, it } from "vitest";
import {
  apiserverSpec,
  controllerManagerSpec,
  etcdSpec,
  kwokSpec,
  schedulerSpec,
  type ClusterLayout,
} from "./components.ts";

const layout: ClusterLayout = {
  dir: "/tmp/c",
  binDir: "/tmp/bin",
  ports: {
    etcdClient: 20001,
    etcdPeer: 20002,
    apiserver: 20003,
    controllerManager: 20004,
    scheduler: 20005,
    kwok: 20006,
  },
};
const specs = [
  etcdSpec,
  apiserverSpec,
  controllerManagerSpec,
  schedulerSpec,
  kwokSpec,
].map((f) => f(layout));

describe("component specs", () => {
  it.each(specs.map((s) => [s.name, s] as const))(
    "%s listens and is probed on loopback only",
    (_name, spec) => {
      const listenFlags = spec.args.filter((a) =>
        /^--(bind-address|advertise-address|listen-[a-z-]+|server-address)=/.test(
          a,
        ),
      );
      expect(listenFlags.length).toBeGreaterThan(0);
      for (const flag of listenFlags)
        expect(flag).toMatch(/=(http:\/\/)?127\.0\.0\.1(:\d+)?$/);
      expect(new URL(spec.health.url).hostname).toBe("127.0.0.1");
    },
  );

  it("gives every component its own port", () => {
    const ports = specs.map((s) => new URL(s.health.url).port);
    expect(new Set(ports).size).toBe(specs.length);
  });

  it("points every client component at the API server through the harness kubeconfig", () => {
    for (const spec of specs.filter(
      (s) => !["etcd", "kube-apiserver"].includes(s.name),
    )) {
      expect(spec.args).toContain("--kubeconfig=/tmp/c/kubeconfig");
    }
  });
});
