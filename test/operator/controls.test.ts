// Scenario S11 (suspend, skipAnalysis, revertOnDeletion, plain deletion) and two Canaries for one target.
import { afterAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { patchCanarySpec, PhaseRecorder } from "../support/canary-api.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

const scenarios: Scenario[] = [];
afterAll(async () => {
  await Promise.all(scenarios.map((s) => s.dispose()));
});

async function scenario(prefix: string): Promise<Scenario> {
  const s = await startScenario(prefix);
  scenarios.push(s);
  return s;
}

/** A weighted canary without metrics: every step passes, so only the controls decide. */
const simpleCanary = (ns: string) =>
  podinfoCanary(ns, {
    interval: "1s",
    stepWeight: 10,
    maxWeight: 50,
    metrics: [],
  });
const custom = () => kubeConfig().makeApiClient(CustomObjectsApi);
const gone = async (read: () => Promise<unknown>): Promise<boolean> =>
  read().then(
    () => false,
    (error: { code?: number }) => error.code === 404,
  );

describe("S11: controls", () => {
  it("suspend freezes a run at its step, and it continues when resumed", async () => {
    const s = await scenario("suspend");
    await initializePodinfo(s, simpleCanary(s.ns));
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => ((await s.api.weights())?.[1] ?? 0) >= 10, {
      what: "weight 10",
    });
    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", { suspend: true });
    await eventually(
      async () => /suspended/.test((await s.api.status()).message ?? ""),
      { what: "suspended message" },
    );
    const frozen = await s.api.status();
    // Three reconciles seen while suspended (each woken by a change of the target's labels), and more
    // than three intervals (1 s each) gone: a signal that the operator looked, not a sleep.
    const reconciles = () =>
      s.operator.metric("controller_runtime_reconcile_total");
    const frozenAt = Date.now();
    for (const poke of ["1", "2", "3"]) {
      const before = await reconciles();
      await s.api.patchDeployment("podinfo", [
        { op: "add", path: "/metadata/labels/poke", value: poke },
      ]);
      await eventually(async () => (await reconciles()) > before, {
        what: "a reconcile of the suspended Canary",
      });
    }
    await eventually(async () => Date.now() - frozenAt > 3000 || undefined, {
      what: "three intervals",
    });
    const still = await s.api.status();
    expect(still).toMatchObject({
      phase: "Progressing",
      canaryWeight: frozen.canaryWeight,
    });
    expect((await s.api.weights())?.[1]).toBe(frozen.canaryWeight);

    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", { suspend: false });
    await s.waitForPhase("Succeeded");
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("skipAnalysis promotes a new revision without stepping", async () => {
    const s = await scenario("skip");
    const canary = simpleCanary(s.ns);
    canary.spec.skipAnalysis = true;
    await initializePodinfo(s, canary);
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Succeeded");
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual([
      "Initialized",
      "Promoting",
      "Finalising",
      "Succeeded",
    ]);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    const events = await s.api.eventMessages();
    expect(
      events.some((e) => /Analysis skipped: promoting podinfo/.test(e.message)),
    ).toBe(true);
  });

  it("revertOnDeletion: deleting the Canary gives traffic and replicas back to the target", async () => {
    const s = await scenario("revert");
    const canary = simpleCanary(s.ns);
    canary.spec.revertOnDeletion = true;
    await initializePodinfo(s, canary);
    await eventually(
      async () => {
        const c = (await custom().getNamespacedCustomObject({
          group: "flagger.app",
          version: "v1beta1",
          plural: "canaries",
          namespace: s.ns,
          name: "podinfo",
        })) as {
          metadata: { finalizers?: string[] };
        };
        return c.metadata.finalizers?.includes("finalizer.flagger.app");
      },
      { what: "the finalizer" },
    );
    expect(await s.api.replicas("podinfo")).toBe(0);

    await s.api.deleteCanary();
    const readCanary = () =>
      custom().getNamespacedCustomObject({
        group: "flagger.app",
        version: "v1beta1",
        plural: "canaries",
        namespace: s.ns,
        name: "podinfo",
      });
    await eventually(() => gone(readCanary), {
      what: "the Canary to be deleted (finalizer released)",
    });

    expect(await s.api.replicas("podinfo")).toBe(2);
    const apex = await s.api.core.readNamespacedService({
      name: "podinfo",
      namespace: s.ns,
    });
    expect(apex.spec?.selector).toEqual({ app: "podinfo" });
    expect(apex.metadata?.ownerReferences ?? []).toEqual([]);
    expect(await s.api.weights()).toBeUndefined();
    // The garbage collector removes the primary; the apex Service stays, selecting the target.
    await eventually(
      () =>
        gone(() =>
          s.api.apps.readNamespacedDeployment({
            name: "podinfo-primary",
            namespace: s.ns,
          }),
        ),
      { what: "primary collected" },
    );
    expect(
      (
        await s.api.core.readNamespacedService({
          name: "podinfo",
          namespace: s.ns,
        })
      ).spec?.selector,
    ).toEqual({ app: "podinfo" });
  });

  it("plain deletion lets the garbage collector remove everything the Canary owned", async () => {
    const s = await scenario("delete");
    await initializePodinfo(s, simpleCanary(s.ns));
    // The RouteTable follows the Initialized status in the same reconcile: delete once it is there.
    await eventually(async () => s.api.weights(), { what: "the RouteTable" });
    await s.api.deleteCanary();
    let left = "";
    await eventually(
      async () => {
        const services = await s.api.core.listNamespacedService({
          namespace: s.ns,
        });
        const deployments = await s.api.apps.listNamespacedDeployment({
          namespace: s.ns,
        });
        const routes = await s.api.weights();
        left = `services ${services.items.length}, deployments ${deployments.items.map((d) => d.metadata?.name).join()}, route table ${routes ? "present" : "gone"}`;
        return (
          services.items.length === 0 &&
          deployments.items.map((d) => d.metadata?.name).join() === "podinfo" &&
          routes === undefined
        );
      },
      { what: () => `owned objects collected (left: ${left})` },
    );
    // The target Deployment is the user's: it is not owned by the Canary and stays.
    expect(await s.api.image("podinfo")).toBeDefined();
  });
});

describe("two Canaries for one Deployment", () => {
  it("the second gets a clear condition and event, and changes nothing", async () => {
    const s = await scenario("dup");
    await initializePodinfo(s, simpleCanary(s.ns));
    const primaryBefore = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: s.ns,
    });
    // The RouteTable is written right after the Initialized status, in the same reconcile.
    const routesBefore = await eventually(async () => s.api.weights(), {
      what: "the first Canary's RouteTable",
    });
    const second = simpleCanary(s.ns);
    second.metadata.name = "podinfo-again";
    second.spec.service.name = "podinfo-again";
    await s.api.createCanary(second);

    const status = await eventually(
      async () => {
        const st = await s.api.status("podinfo-again");
        return st.conditions?.[0]?.reason === "InvalidSpec" && st;
      },
      { what: "InvalidSpec on the second Canary" },
    );
    expect(status.message).toMatch(
      /spec.targetRef.name: Deployment .*\/podinfo is already managed by Canary podinfo/,
    );
    await eventually(
      async () =>
        (await s.api.eventMessages()).some(
          (e) =>
            e.type === "Warning" &&
            /already managed by Canary podinfo/.test(e.message),
        ),
      {
        what: "Warning event",
      },
    );
    const primaryAfter = await s.api.apps.readNamespacedDeployment({
      name: "podinfo-primary",
      namespace: s.ns,
    });
    expect(primaryAfter.metadata?.generation).toBe(
      primaryBefore.metadata?.generation,
    );
    expect(await s.api.weights()).toEqual(routesBefore);
    await expect(
      s.api.core.readNamespacedService({
        name: "podinfo-again",
        namespace: s.ns,
      }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
