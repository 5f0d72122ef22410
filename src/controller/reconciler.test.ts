// The reconciler with everything but the API server real: the caches (reflectors over an in-memory API
// that lists and watches), the routers, the decision core, the status write and the announcements, on
// a fake clock. A release of podinfo from initialization to promotion, read back from the writes.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { MemoryApi } from "../../dev/testing/memory-api.ts";
import { settle } from "../../dev/testing/settle.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../../test/fixtures/podinfo.ts";
import { parseOperatorFlags } from "../config/flags.ts";
import { routerNames, type RouterName } from "../routers/names.ts";
import { routers } from "../routers/registry.ts";
import type { Router } from "../routers/types.ts";
import { Recorder } from "../telemetry/recorder.ts";
import { ensureWith } from "./actions.ts";
import { BackgroundWork } from "./background.ts";
import { createCaches, type Caches } from "./caches.ts";
import { FairSlots } from "./fair-slots.ts";
import { lookupRoute, lookupRouteTable, lookupUpstream } from "./lookups.ts";
import { createReconciler } from "./reconciler.ts";
import { StepObservations } from "./step-observations.ts";
import { StepTimes } from "./step-times.ts";

const logger = pino({ level: "silent" });
let caches: Caches | undefined;
afterEach(async () => {
  await caches?.stop();
  caches = undefined;
});

/** Marks a Deployment rolled out, as the deployment controller would. */
function rolledOut(api: MemoryApi, name: string) {
  const d = api.get("apps/v1", "Deployment", "apps", name) as {
    spec?: { replicas?: number };
    metadata?: { generation?: number };
  };
  const replicas = d.spec?.replicas ?? 1;
  api.put({
    ...d,
    status: {
      observedGeneration: d.metadata?.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    },
  });
}

async function world() {
  const api = new MemoryApi();
  api.served.set("gateway.solo.io/v1", ["routetables", "virtualservices"]);
  api.served.set("gloo.solo.io/v1", ["upstreams"]);
  const canary = podinfoCanary("apps", {
    interval: "10s",
    stepWeight: 50,
    maxWeight: 50,
    metrics: [],
  });
  delete canary.spec.autoscalerRef;
  api.put(canary as never);
  api.put(podinfoDeployment("apps") as never);
  rolledOut(api, "podinfo");
  const clock = new FakeClock(Date.parse("2026-12-03T10:00:00Z"));
  const enqueued: string[] = [];
  caches = await createCaches({
    client: api.client(),
    clock,
    logger,
    namespace: "apps",
    enqueue: (key) => enqueued.push(key),
    defaultProvider: "gloo",
  });
  await caches.start();
  const parsed = parseOperatorFlags(
    ["--namespace=apps", "--mesh-provider=gloo"],
    routerNames,
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const writer = api.writer();
  const held = caches;
  const routerCache = new Map<string, Router>();
  const events: string[] = [];
  const background = new BackgroundWork(logger);
  const reconcile = createReconciler({
    caches: held,
    writer,
    events: {
      record: async (_target, type, reason, message) =>
        void events.push(`${type} ${reason}: ${message}`),
    },
    routerFor: (name: RouterName) => {
      let router = routerCache.get(name);
      if (!router)
        routerCache.set(
          name,
          (router = routers[name](
            {
              ensure: ensureWith(held, writer),
              remove: (object) => writer.delete(object),
              lookupUpstream: (ns, n) => lookupUpstream(held, ns, n),
              lookupRouteTable: (ns, n) => lookupRouteTable(held, ns, n),
              lookupRoute: (kind, ns, n) => lookupRoute(held, kind, ns, n),
            },
            { markBackends: false },
          )),
        );
      return router;
    },
    prometheusFor: () => ({
      query: async () => {
        throw new Error("no metrics in this test");
      },
      isOnline: async () => false,
    }),
    notifiers: [],
    recorder: new Recorder(),
    clock,
    logger,
    config: parsed.config,
    knownProviders: routerNames,
    stepTimes: new StepTimes(),
    steps: new StepObservations(clock, (key) => enqueued.push(key), background),
    outbound: new FairSlots(8),
    background,
  });
  const step = async (advanceMs = 0) => {
    clock.advance(advanceMs);
    const result = await reconcile("apps/podinfo");
    await settle();
    return result;
  };
  const status = () =>
    (
      api.get("flagger.app/v1beta1", "Canary", "apps", "podinfo") as {
        status?: { phase?: string; canaryWeight?: number };
      }
    ).status ?? {};
  return { api, clock, enqueued, events, step, status };
}

const writesOf = (api: MemoryApi, from: number) =>
  api.writes.slice(from).map((w) => `${w.verb} ${w.kind}/${w.name}`);

describe("reconciler", () => {
  it("initializes: primary, Services and Gloo objects written, then one status write per reconcile", async () => {
    const { api, step, status, events } = await world();
    await step();
    expect(writesOf(api, 0)).toEqual([
      "apply Deployment/podinfo-primary",
      "apply Service/podinfo",
      "apply Service/podinfo-primary",
      "apply Service/podinfo-canary",
      "status Canary/podinfo",
    ]);
    expect(status().phase).toBe("Initializing");
    // The primary's rollout, as the deployment controller would report it; the watch wakes the Canary.
    rolledOut(api, "podinfo-primary");
    await settle();
    const before = api.writes.length;
    await step();
    expect(status().phase).toBe("Initialized");
    const written = writesOf(api, before);
    expect(written).toContain("mergePatch Deployment/podinfo");
    expect(written).toContain(
      "apply Upstream/apps-podinfo-primaryupstream-9898",
    );
    expect(written).toContain("apply RouteTable/podinfo");
    expect(written.filter((w) => w.startsWith("status"))).toHaveLength(1);
    expect(events.at(-1)).toBe(
      "Normal Synced: Initialization done! podinfo.apps",
    );
    // Nothing changed: a reconcile writes nothing at all.
    const idle = api.writes.length;
    await step();
    expect(api.writes.length).toBe(idle);
  });

  it("a new revision runs to promotion; the primary gets the new image", async () => {
    const { api, step, status } = await world();
    await step();
    rolledOut(api, "podinfo-primary");
    await settle();
    await step();
    expect(status().phase).toBe("Initialized");
    // kubectl set image: the target changes; the watch puts the Canary on the queue.
    const target = api.get("apps/v1", "Deployment", "apps", "podinfo") as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    target.spec.template.spec.containers[0]!.image = podinfoImage("6.0.1");
    api.put(target as never);
    rolledOut(api, "podinfo");
    await settle();
    await step();
    expect(status().phase).toBe("Progressing");
    const phases: string[] = [];
    for (let i = 0; i < 8 && status().phase !== "Succeeded"; i++) {
      rolledOut(api, "podinfo");
      rolledOut(api, "podinfo-primary");
      await settle();
      await step(10_000);
      phases.push(`${status().phase}:${status().canaryWeight}`);
    }
    expect(phases).toContain("Progressing:50");
    expect(status().phase).toBe("Succeeded");
    const primary = api.get(
      "apps/v1",
      "Deployment",
      "apps",
      "podinfo-primary",
    ) as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(primary.spec.template.spec.containers[0]?.image).toBe(
      podinfoImage("6.0.1"),
    );
  });
});
