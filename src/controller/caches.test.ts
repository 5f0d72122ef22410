// The caches over an in-memory API server: which changes wake which Canary, and what is held whole.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { MemoryApi } from "../../dev/testing/memory-api.ts";
import { settle } from "../../dev/testing/settle.ts";
import {
  podinfoCanary,
  podinfoDeployment,
} from "../../test/fixtures/podinfo.ts";
import { resolveCanarySpec } from "../api/resolve.ts";
import { routerNames } from "../routers/names.ts";
import { createCaches, type Caches } from "./caches.ts";
import { observe } from "./observe.ts";

const logger = pino({ level: "silent" });
let caches: Caches | undefined;
afterEach(async () => {
  await caches?.stop();
  caches = undefined;
});

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps" },
  data,
});

async function started() {
  const api = new MemoryApi();
  const target = podinfoDeployment("apps");
  // The target reads a ConfigMap into its environment: a change of it is a new revision.
  target.spec!.template.spec!.containers[0]!.envFrom = [
    { configMapRef: { name: "podinfo-env" } },
  ];
  api.put(target as never);
  api.put(configMap("podinfo-env", { GREETING: "hi" }));
  api.put(configMap("unrelated", { a: "1" }));
  const canary = podinfoCanary("apps", { metrics: [] });
  delete canary.spec.autoscalerRef;
  api.put(canary as never);
  const woken: string[] = [];
  caches = await createCaches({
    client: api.client(),
    clock: new FakeClock(0),
    logger,
    namespace: "apps",
    enqueue: (key, why) => woken.push(`${key}: ${why}`),
    defaultProvider: "kubernetes",
  });
  await caches.start();
  await settle();
  // A reconcile observes the Canary: that is when the caches learn what it uses.
  const resolved = resolveCanarySpec(canary.spec, {
    namespace: "apps",
    knownProviders: routerNames,
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 1_000,
  });
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
  const held = caches;
  const observeOnce = () =>
    observe(held.canaries.get("podinfo", "apps")!, resolved.spec, held, {
      selectorLabels: ["app"],
      configTracking: true,
    });
  observeOnce();
  await settle();
  return { api, caches, woken, observeOnce };
}

describe("caches", () => {
  it("a change of the target or a config it uses wakes its Canary; an unrelated one does not", async () => {
    const { api, woken } = await started();
    woken.length = 0;
    api.put(configMap("unrelated", { a: "2" }));
    await settle();
    expect(woken).toEqual([]);
    api.put(configMap("podinfo-env", { GREETING: "hello" }));
    await settle();
    expect(woken.some((w) => w.startsWith("apps/podinfo:"))).toBe(true);
    woken.length = 0;
    const target = api.get("apps/v1", "Deployment", "apps", "podinfo")!;
    api.put({
      ...target,
      metadata: { ...target.metadata, labels: { app: "podinfo", x: "1" } },
    });
    await settle();
    expect(woken.some((w) => w.startsWith("apps/podinfo:"))).toBe(true);
  });

  it("holds the used config whole and the unrelated one as metadata only", async () => {
    const { caches } = await started();
    const used = caches.configMaps.get("podinfo-env", "apps") as {
      data?: Record<string, string>;
    };
    expect(used?.data).toEqual({ GREETING: "hi" });
    const other = caches.configMaps.get("unrelated", "apps") as
      { data?: Record<string, string> } | undefined;
    expect(other?.data).toBeUndefined();
  });
});
