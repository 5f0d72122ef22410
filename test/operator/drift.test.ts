// Drift of the objects Siskin generates for an idle Canary, undone through their watches (an idle Canary
// holds no timer): the RouteTable, the Upstreams' copied upstreamRef settings, and the Services.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { podinfoCanary } from "../fixtures/podinfo.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import { settingsUpstream, UpstreamApi } from "../support/gloo-upstreams.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

let s: Scenario;
const upstreams = () => new UpstreamApi(kubeConfig(), s.ns);

beforeAll(async () => {
  s = await startScenario("drift");
  await upstreams().create(settingsUpstream(7));
  const canary = podinfoCanary(s.ns);
  canary.spec.upstreamRef = {
    apiVersion: "gloo.solo.io/v1",
    kind: "Upstream",
    name: "podinfo-settings",
  };
  await initializePodinfo(s, canary);
  await s.api.routedTo([100, 0]);
});

afterAll(async () => {
  await s?.dispose();
});

describe("drift of generated objects", () => {
  it("corrects drift of the RouteTable within 2 s (it watches) and keeps upstreamRef settings in sync", async () => {
    // An idle canary has no timer: only the watch of the RouteTable can bring it back this fast.
    const weightPath = (i: number) =>
      `/spec/routes/0/routeAction/multi/destinations/${i}/weight`;
    const drifted = (await kubeConfig()
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        {
          group: "gateway.solo.io",
          version: "v1",
          plural: "routetables",
          namespace: s.ns,
          name: "podinfo",
          body: [
            { op: "replace", path: weightPath(0), value: 30 },
            { op: "replace", path: weightPath(1), value: 70 },
          ],
        },
        setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
      )) as {
      spec: {
        routes: {
          routeAction: { multi: { destinations: { weight: number }[] } };
        }[];
      };
    };
    // The drift was stored (the operator may already have corrected it when the test reads it back).
    const stored = drifted.spec.routes[0]!.routeAction.multi.destinations.map(
      (d) => d.weight,
    );
    expect(stored).toEqual([30, 70]);
    await eventually(
      async () => JSON.stringify(await s.api.weights()) === "[100,0]",
      { what: "drift corrected to 100/0", timeoutMs: 2000, intervalMs: 50 },
    );

    await upstreams().updateSettings(9);
    await eventually(
      async () => {
        const copied = await upstreams().read(
          `${s.ns}-podinfo-canaryupstream-9898`,
        );
        return (
          JSON.stringify(copied.spec.connectionConfig) ===
          '{"maxRequestsPerConnection":9}'
        );
      },
      {
        what: "the copied settings to follow the upstreamRef",
        timeoutMs: 2000,
        intervalMs: 50,
      },
    );
  });

  it("restores an edited apex Service and a deleted -canary Service within 2 s (it watches them)", async () => {
    expect((await s.api.status()).phase).toBe("Initialized");
    const apexSelector = async () =>
      (
        await s.api.core.readNamespacedService({
          name: "podinfo",
          namespace: s.ns,
        })
      ).spec?.selector;
    expect(await apexSelector()).toEqual({ app: "podinfo-primary" });
    // Pointing the apex at the target would send users' traffic to a Deployment scaled to zero.
    const edited = await s.api.core.patchNamespacedService(
      {
        name: "podinfo",
        namespace: s.ns,
        body: [{ op: "replace", path: "/spec/selector/app", value: "podinfo" }],
      },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(edited.spec?.selector).toEqual({ app: "podinfo" });
    await eventually(
      async () => (await apexSelector())?.app === "podinfo-primary",
      { what: "the apex selector restored", timeoutMs: 2000, intervalMs: 50 },
    );

    const deleted = await s.api.core.deleteNamespacedService({
      name: "podinfo-canary",
      namespace: s.ns,
    });
    const oldUid = deleted.metadata?.uid;
    await eventually(
      async () => {
        const svc = await s.api.core.readNamespacedService({
          name: "podinfo-canary",
          namespace: s.ns,
        });
        return (
          svc.metadata?.uid !== oldUid && svc.spec?.selector?.app === "podinfo"
        );
      },
      { what: "podinfo-canary recreated", timeoutMs: 2000, intervalMs: 50 },
    );
  });
});
