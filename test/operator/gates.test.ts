// Scenario S9 (gates) with the real load tester process: confirm-rollout and confirm-promotion gates,
// the seed's acceptance test (bash) and load test (hey), a rollback gate, post-rollout and event hooks,
// and a per-canary AlertProvider with a severity filter. Gate state lives in a ConfigMap.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { seedWebhooks } from "../fixtures/seed-canary.ts";
import { patchCanarySpec, PhaseRecorder } from "../support/canary-api.ts";
import { clusterState, eventually, kubeConfig } from "../support/cluster.ts";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { LoadTesterProcess } from "../../dev/services/loadtester.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

let s: Scenario;
let tester: LoadTesterProcess;
const canaryService = new HttpRecorder(); // stands in for podinfo-canary:9898
const gateway = new HttpRecorder(); // stands in for gateway-proxy.gloo-system
const hooks = new HttpRecorder(); // post-rollout and event hooks
const alerts = new HttpRecorder(); // a generic AlertProvider
const payload = () => ({ name: "podinfo", namespace: s.ns });
let tokenAnswer = '{"token":"ok"}';

interface HookBody {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata?: Record<string, string>;
}

beforeAll(async () => {
  s = await startScenario("gates");
  await Promise.all([
    canaryService.start(),
    gateway.start(),
    hooks.start(),
    alerts.start(),
  ]);
  canaryService.respond = () => ({ status: 200, body: tokenAnswer });
  tester = await new LoadTesterProcess([
    `--gates-configmap=${s.ns}/loadtester-gates`,
    `--kubeconfig=${clusterState().kubeconfig}`,
    `--namespace-regexp=${s.ns}`,
  ]).start();
  await s.api.core.createNamespacedSecret({
    namespace: s.ns,
    body: {
      metadata: { name: "on-call-webhook" },
      stringData: { address: `${alerts.url}/alerts`, token: "t0ken" },
    },
  });
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      plural: "alertproviders",
      namespace: s.ns,
      body: {
        apiVersion: "flagger.app/v1beta1",
        kind: "AlertProvider",
        metadata: { name: "on-call" },
        spec: { type: "generic", secretRef: { name: "on-call-webhook" } },
      },
    });
  const canary = podinfoCanary(s.ns, {
    interval: "1s",
    threshold: 2,
    stepWeight: 10,
    maxWeight: 30,
    metrics: [],
    webhooks: [
      {
        name: "start-gate",
        type: "confirm-rollout",
        url: `${tester.url}/gate/check`,
      },
      ...seedWebhooks({
        loadtester: tester.url,
        canary: canaryService.url,
        gateway: gateway.url,
      }),
      {
        name: "promotion-gate",
        type: "confirm-promotion",
        url: `${tester.url}/gate/check`,
      },
      {
        name: "rollback",
        type: "rollback",
        url: `${tester.url}/rollback/check`,
      },
      { name: "after", type: "post-rollout", url: `${hooks.url}/post-rollout` },
      { name: "events", type: "event", url: `${hooks.url}/event` },
    ],
    alerts: [
      { name: "on-call", severity: "warn", providerRef: { name: "on-call" } },
    ],
  });
  await initializePodinfo(s, canary);
});

afterAll(async () => {
  await tester?.stop();
  await s?.dispose();
  await Promise.all([
    canaryService.stop(),
    gateway.stop(),
    hooks.stop(),
    alerts.stop(),
  ]);
});

describe("S9: gates and webhooks", () => {
  it("confirm-rollout closed -> Waiting; opened -> Progressing; confirm-promotion closed -> WaitingPromotion; a restart keeps the opened gate", async () => {
    const phases = new PhaseRecorder();
    await phases.start(s.api);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Waiting");
    const waiting = await s.api.status();
    expect(waiting.message).toContain(
      "webhook start-gate (confirm-rollout) failed: HTTP 403: gate closed",
    );
    expect(await s.api.replicas("podinfo")).toBe(0); // nothing starts behind a closed gate
    await eventually(async () =>
      (await s.api.eventMessages()).some((e) =>
        e.message.includes("Waiting for approval to start the rollout"),
      ),
    );

    expect((await tester.post("/gate/open", payload())).status).toBe(200);
    await s.waitForPhase("Progressing", 15_000);
    await tester.post("/gate/close", payload()); // so the promotion waits
    await s.waitForPhase("WaitingPromotion", 30_000);
    const held = await s.api.status();
    expect(held.canaryWeight).toBe(30);
    expect(held.message).toContain(
      "webhook promotion-gate (confirm-promotion) failed: HTTP 403: gate closed",
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect((await s.api.status()).phase).toBe("WaitingPromotion");

    // The seed's load test runs through the "gateway" with the tutorial's Host header.
    expect(gateway.requests.length).toBeGreaterThan(0);
    expect(gateway.requests[0]?.headers.host).toBe("podinfo.example.com");
    // The acceptance test reached the canary Service with the tutorial's request.
    expect(
      canaryService.requests.some(
        (r) => r.method === "POST" && r.path === "/token" && r.body === "test",
      ),
    ).toBe(true);

    // Opened, then the load tester restarts at once: the gate is kept in the ConfigMap. The run is
    // suspended meanwhile: a load tester that is down fails the rollout hook, which rightly counts as a
    // failed check, and with threshold 2 a slow restart would roll the release back.
    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", { suspend: true });
    await eventually(async () =>
      /suspended/.test((await s.api.status()).message ?? ""),
    );
    await tester.post("/gate/open", payload());
    await tester.restart();
    const stored = await s.api.core.readNamespacedConfigMap({
      name: "loadtester-gates",
      namespace: s.ns,
    });
    expect(stored.data?.[`gate.${s.ns}.podinfo`]).toBe("open");
    await patchCanarySpec(kubeConfig(), s.ns, "podinfo", { suspend: false });
    expect(await tester.post("/gate/check", payload())).toEqual({
      status: 200,
      body: "gate open",
    });
    await s.waitForPhase("Succeeded", 30_000);
    await phases.stopAfter("Succeeded");
    expect(phases.seen).toEqual([
      "Initialized",
      "Waiting",
      "Progressing",
      "WaitingPromotion",
      "Promoting",
      "Finalising",
      "Succeeded",
    ]);

    // post-rollout got the final phase; event hooks got every event with its message.
    // Both are sent after the Succeeded status write, so they may land a moment after it.
    await eventually(
      async () =>
        hooks.requests.some((r) => r.path === "/post-rollout") &&
        hooks.requests.some(
          (r) => r.path === "/event" && r.body.includes("Promotion completed"),
        ),
      { what: "post-rollout and the Promotion completed event hook" },
    );
    const post = hooks
      .json<HookBody>()
      .find((_, i) => hooks.requests[i]?.path === "/post-rollout");
    expect(post).toMatchObject({
      name: "podinfo",
      namespace: s.ns,
      phase: "Succeeded",
    });
    const events = hooks.requests
      .filter((r) => r.path === "/event")
      .map((r) => JSON.parse(r.body) as HookBody);
    expect(events.map((e) => e.metadata?.eventMessage)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("New revision detected"),
        expect.stringContaining("Promotion completed"),
      ]),
    );
    expect(
      events.every(
        (e) =>
          e.metadata?.eventType && /^\d+$/.test(e.metadata.timestamp ?? ""),
      ),
    ).toBe(true);
  });

  it("a failing pre-rollout acceptance test counts as failed checks and rolls back", async () => {
    tokenAnswer = "no such thing";
    await s.api.setImage("podinfo", podinfoImage("6.0.2"));
    await s.waitForPhase("Failed", 30_000);
    const status = await s.api.status();
    expect(status.message).toContain(
      "webhook acceptance-test (pre-rollout) failed: HTTP 400: exit status 1",
    );
    expect(status.message).toContain("failed 2 times");
    const warnings = (await s.api.eventMessages()).filter(
      (e) => e.reason === "WebhookFailed",
    );
    expect(
      warnings.some((e) =>
        e.message.includes("acceptance-test (pre-rollout) failed: HTTP 400"),
      ),
    ).toBe(true);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    tokenAnswer = '{"token":"ok"}';
  });

  it("an opened rollback gate rolls back from WaitingPromotion", async () => {
    await tester.post("/gate/close", payload());
    await tester.post("/gate/open", payload());
    await s.api.setImage("podinfo", podinfoImage("6.0.3"));
    await s.waitForPhase("Progressing", 15_000);
    await tester.post("/gate/close", payload());
    await s.waitForPhase("WaitingPromotion", 30_000);
    await tester.post("/rollback/open", payload());
    await s.waitForPhase("Failed", 15_000);
    expect((await s.api.status()).message).toContain(
      "manual rollback requested by webhook rollback: HTTP 200: rollback gate open",
    );
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await tester.post("/rollback/close", payload());
  });

  it("the canary's warn alert got the gates and rollbacks, not the info messages, in the generic format", async () => {
    const received = alerts.json<{
      kind: string;
      severity: string;
      reason?: string;
      phase: string;
    }>();
    expect(received.map((a) => a.kind)).toEqual(
      expect.arrayContaining(["waiting", "rollback", "halted"]),
    );
    expect(received.every((a) => a.severity !== "info")).toBe(true);
    expect(
      alerts.requests.every((r) => r.headers.authorization === "Bearer t0ken"),
    ).toBe(true);
    const rollback = received.find(
      (a) => a.kind === "rollback" && a.reason?.includes("acceptance-test"),
    );
    expect(rollback).toMatchObject({ severity: "error", phase: "Failed" });
  });

  it("the seed's hey load test ran once at a time, at the rate of its flags (within 10%)", async () => {
    // The load tester restart above ended one run; take the longest stretch without a pause.
    const times = gateway.requests.map((r) => r.at);
    let best: number[] = [];
    let current: number[] = [];
    for (const t of times) {
      if (current.length && t - (current.at(-1) ?? t) > 1500) current = [];
      current.push(t);
      if (current.length > best.length) best = current;
    }
    const seconds = ((best.at(-1) ?? 0) - (best[0] ?? 0)) / 1000;
    expect(seconds).toBeGreaterThan(8);
    // -q 5 -c 2: 10 requests per second, however many intervals sent the command (a second run
    // started alongside would double it).
    const rate = (best.length - 1) / seconds;
    expect(rate).toBeGreaterThan(9);
    expect(rate).toBeLessThan(11);
  });

  it("a name that is not a Kubernetes name is refused and never reaches the gate ConfigMap", async () => {
    // Before, "gate.<ns>.Bad/Name" went into the ConfigMap's data keys: the API server refused the
    // write, and every later write (carrying the bad key) failed too, for every tenant.
    for (const name of ["Bad/Name", "a b", "x".repeat(254)]) {
      const answer = await tester.post("/gate/open", { name, namespace: s.ns });
      expect(answer.status, name).toBe(400);
      expect(answer.body).toContain("payload.name");
    }
    const good = { name: "after-bad-names", namespace: s.ns };
    expect(await tester.post("/gate/open", good)).toEqual({
      status: 200,
      body: "gate opened",
    });
    const cm = await s.api.core.readNamespacedConfigMap({
      name: "loadtester-gates",
      namespace: s.ns,
    });
    expect(cm.data?.[`gate.${s.ns}.after-bad-names`]).toBe("open");
    for (const key of Object.keys(cm.data ?? {}))
      expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
  });
});
