// A/B testing and session affinity on Gateway API, with traffic: requests go through the HTTPRoute
// gateway simulator (it routes by the HTTPRoutes on the API server and applies their filters) to
// podinfo-like servers for each version. A/B: matching requests reach the canary, the rest the primary
// (fallback rule). Session affinity: a client that got the run's cookie always reaches the canary while
// it is live; after the promotion that cookie is deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V1Deployment } from "@kubernetes/client-node";
import type { Canary } from "../../src/api/canary.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { RouteApi, ruleNamed } from "../support/gateway-routes.ts";
import { request, versionOf } from "../support/http-client.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { GatewayApiSimulator } from "../../dev/sim/gateway-api.ts";
import { WorkloadSimulator } from "../../dev/sim/workloads.ts";

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
let routes: RouteApi;
let operator: OperatorProcess;
let workloads: WorkloadSimulator;
let gateway: GatewayApiSimulator;

/** A podinfo Deployment under another name (its own selector label), for a second Canary. */
function deployment(name: string): V1Deployment {
  const d = podinfoDeployment(ns.name);
  d.metadata = { name, namespace: ns.name, labels: { app: name } };
  d.spec!.selector = { matchLabels: { app: name } };
  d.spec!.template.metadata = { labels: { app: name } };
  return d;
}

function canary(
  name: string,
  analysis: Partial<Canary["spec"]["analysis"]>,
): Canary {
  const c = podinfoCanary(ns.name, { ...analysis, metrics: [], webhooks: [] });
  c.metadata.name = name;
  c.spec.targetRef = { ...c.spec.targetRef, name };
  delete c.spec.autoscalerRef;
  c.spec.provider = "gatewayapi:v1";
  c.spec.service = {
    ...c.spec.service,
    hosts: [`${name}.example.com`],
    gatewayRefs: [{ name: "public", namespace: ns.name }],
  };
  return c;
}

async function phase(name: string, wanted: string, timeoutMs = 60_000) {
  await eventually(async () => (await api.status(name)).phase === wanted, {
    timeoutMs,
    what: () => `${name} ${wanted} (operator log:\n${operator.logTail(10)})`,
  });
}

beforeAll(async () => {
  ns = await createTestNamespace("gwab");
  api = new CanaryApi(kubeConfig(), ns.name);
  routes = new RouteApi(kubeConfig(), ns.name);
  workloads = new WorkloadSimulator(kubeConfig(), ns.name, {});
  await workloads.start();
  gateway = new GatewayApiSimulator(
    kubeConfig(),
    ns.name,
    workloads,
    "kgateway",
  );
  await gateway.start();
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: "http://127.0.0.1:9",
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  await gateway?.stop();
  await workloads?.stop();
  await ns?.dispose();
});

describe("Gateway API with traffic", () => {
  it("A/B: requests with the header reach the canary, all others the primary, until the promotion", async () => {
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: deployment("abinfo"),
    });
    await api.createCanary(
      canary("abinfo", {
        stepWeight: undefined,
        iterations: 4,
        match: [{ headers: { "x-canary": { exact: "insider" } } }],
      }),
    );
    await phase("abinfo", "Initialized");
    await api.setImage("abinfo", podinfoImage("6.0.1"));
    await eventually(
      async () => {
        const refs = ruleNamed(await routes.get("abinfo"), "siskin-ab")
          ?.backendRefs as { name: string; weight: number }[] | undefined;
        return refs?.find((r) => r.name === "abinfo-canary")?.weight === 100;
      },
      { what: "A/B routing in force" },
    );
    await eventually(
      async () =>
        versionOf(
          await request(gateway.url, {
            host: "abinfo.example.com",
            headers: { "x-canary": "insider" },
          }),
        ) === "6.0.1",
      { what: "the gateway routing the insider to the canary" },
    );
    const insiders = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(gateway.url, {
          host: "abinfo.example.com",
          headers: { "x-canary": "insider" },
        }),
      ),
    );
    const others = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(gateway.url, {
          host: "abinfo.example.com",
          headers: { "x-canary": "other" },
        }),
      ),
    );
    expect(new Set(insiders.map(versionOf))).toEqual(new Set(["6.0.1"]));
    expect(new Set(others.map(versionOf))).toEqual(new Set(["6.0.0"]));
    await phase("abinfo", "Succeeded", 90_000);
    await eventually(
      async () =>
        versionOf(
          await request(gateway.url, { host: "abinfo.example.com" }),
        ) === "6.0.1",
      {
        what: "everyone on the promoted version",
      },
    );
  });

  it("session affinity: a client with the run's cookie always reaches the canary while it is live", async () => {
    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: deployment("sticky"),
    });
    const c = canary("sticky", {
      stepWeight: 10,
      maxWeight: 30,
      interval: "4s",
    });
    c.spec.analysis.sessionAffinity = {
      cookieName: "canary-session",
      maxAge: 600,
    };
    await api.createCanary(c);
    await phase("sticky", "Initialized");
    await api.setImage("sticky", podinfoImage("6.0.1"));
    await eventually(
      async () => ((await routes.weights("sticky"))?.[1] ?? 0) >= 10,
      { what: "traffic on the canary" },
    );
    // Without a cookie, requests split by weight; the canary's answer sets the run's cookie.
    let cookie: string | undefined;
    for (let i = 0; i < 200 && !cookie; i++) {
      const answer = await request(gateway.url, { host: "sticky.example.com" });
      const set = ([] as string[])
        .concat(answer.headers["set-cookie"] ?? [])
        .find((h) => h.startsWith("canary-session="));
      if (set) {
        expect(versionOf(answer)).toBe("6.0.1");
        expect(set).toMatch(/; Max-Age=600$/);
        cookie = set.split(";")[0];
      }
    }
    expect(cookie).toBeDefined();
    // With it, every request reaches the canary, whatever the weight (10 % here).
    const pinned = [];
    for (let i = 0; i < 30; i++)
      pinned.push(
        versionOf(
          await request(gateway.url, {
            host: "sticky.example.com",
            headers: { cookie: `x=1; ${cookie}` },
          }),
        ),
      );
    expect(new Set(pinned)).toEqual(new Set(["6.0.1"]));
    const unpinned = [];
    for (let i = 0; i < 30; i++)
      unpinned.push(
        versionOf(await request(gateway.url, { host: "sticky.example.com" })),
      );
    expect(new Set(unpinned)).toEqual(new Set(["6.0.0", "6.0.1"]));
    // After the promotion the run's cookie is deleted on the client's next request.
    await phase("sticky", "Succeeded", 90_000);
    const after = await eventually(
      async () => {
        const answer = await request(gateway.url, {
          host: "sticky.example.com",
          headers: { cookie: cookie ?? "" },
        });
        const set = ([] as string[]).concat(answer.headers["set-cookie"] ?? []);
        return set.some((h) => h === `${cookie}; Max-Age=0`)
          ? answer
          : undefined;
      },
      { what: "the cookie deleted" },
    );
    expect(versionOf(after)).toBe("6.0.1");
  });
});
