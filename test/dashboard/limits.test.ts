// The dashboard cannot starve the controller, and works with two replicas:
// - a login flood during a run (bogus tokens, many at once) delays no step and no lease renewal: logins
//   are rate-limited before any TokenReview, and the dashboard's API calls have their own client;
// - behind a Service with two operator pods, a session made on one works on the other, a logout on one
//   ends it on both (signed cookies; key and logouts in a Secret the replicas share);
// - bounded inputs: streams per session (429), names in paths checked before any access review.
import {
  CoordinationV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { OperatorProcess } from "../../dev/services/operator.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { CanaryApi, WeightRecorder } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
  serviceAccountToken,
} from "../support/cluster.ts";
import { initializePodinfo } from "../support/scenario.ts";

const operators: OperatorProcess[] = [];
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  for (const c of cleanup) await c();
});

function operator(ns: string, extraArgs: string[] = []): OperatorProcess {
  const o = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns,
    metricsServer: "http://127.0.0.1:9",
    extraArgs: [
      "--dashboard-port=0",
      "--enable-leader-election=true",
      `--leader-election-namespace=${ns}`,
      "--leader-election-lease-duration=4s",
      "--leader-election-renew-deadline=3s",
      "--leader-election-retry-period=1s",
      ...extraArgs,
    ],
  });
  operators.push(o);
  o.start();
  return o;
}

/** A ServiceAccount that may list and patch canaries in the namespace, and its token. */
async function editorToken(ns: string): Promise<string> {
  const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const { CoreV1Api } = await import("@kubernetes/client-node");
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: "editor" } },
    });
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: "canary-editor" },
      rules: [
        {
          apiGroups: ["flagger.app"],
          resources: ["canaries"],
          verbs: ["get", "list", "watch", "patch"],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: "canary-editor" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "Role",
        name: "canary-editor",
      },
      subjects: [{ kind: "ServiceAccount", name: "editor", namespace: ns }],
    },
  });
  return serviceAccountToken(ns, "editor");
}

async function login(base: string, token: string) {
  const answer = await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  const body = (await answer.json()) as { csrf?: string; error?: string };
  return {
    status: answer.status,
    cookie: (answer.headers.get("set-cookie") ?? "").split(";")[0] ?? "",
    csrf: body.csrf ?? "",
    error: body.error,
  };
}

const leaseOf = async (ns: string) =>
  kubeConfig()
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: "siskin-leader", namespace: ns });

describe("dashboard limits", () => {
  it("a login flood during a run delays no step and no lease renewal", async () => {
    const namespace = await createTestNamespace("flood");
    cleanup.push(namespace.dispose);
    const ns = namespace.name;
    const o = operator(ns);
    await eventually(async () => /became leader/.test(o.logTail(1000)), {
      what: "a leader",
    });
    const base = await o.dashboardUrl();
    const api = new CanaryApi(kubeConfig(), ns);
    await initializePodinfo(
      {
        ns,
        api,
        operator: o,
        waitForPhase: async (phase) =>
          void (await eventually(
            async () => (await api.status()).phase === phase,
            { what: `phase ${phase}` },
          )),
        dispose: async () => undefined,
      },
      podinfoCanary(ns, {
        interval: "1s",
        stepWeight: 4,
        maxWeight: 60,
        metrics: [],
      }),
    );
    const weights = new WeightRecorder();
    await weights.start(api);
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(async () => weights.seen.includes(8), {
      what: "two steps",
    });

    // Lease renewals, as the API server stores them, sampled every 100 ms.
    const renewals: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const renewTime = (await leaseOf(ns)).spec?.renewTime;
        const t = renewTime ? new Date(renewTime).getTime() : 0;
        if (t && renewals.at(-1) !== t) renewals.push(t);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // The flood: 40 clients sending logins with made-up tokens back to back for 8 s (bounded count).
    const floodStart = Date.now();
    const answers: Record<number, number> = {};
    let sent = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        while (Date.now() - floodStart < 8000 && sent < 20_000) {
          sent++;
          const answer = await fetch(`${base}/login`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ token: `made-up-${i}-${sent}` }),
          });
          await answer.arrayBuffer();
          answers[answer.status] = (answers[answer.status] ?? 0) + 1;
        }
      }),
    );
    const floodEnd = Date.now();
    await eventually(async () => renewals.at(-1)! > floodEnd, {
      what: "a renewal after the flood",
    });
    sampling = false;
    await sampler;
    await eventually(async () => (await api.status()).phase === "Succeeded", {
      timeoutMs: 60_000,
      what: "the run to finish",
    });
    weights.stop();

    const stepGaps = weights.at
      .slice(1)
      .map((t, i) => ({ t, gap: t - (weights.at[i] ?? t) }))
      .filter(({ t }) => t > floodStart && t <= floodEnd + 1000)
      .map(({ gap }) => gap);
    const renewGaps = renewals
      .slice(1)
      .map((t, i) => ({ t, gap: t - (renewals[i] ?? t) }))
      .filter(({ t }) => t > floodStart && t <= floodEnd + 1500)
      .map(({ gap }) => gap);
    process.stdout.write(
      `dashboard: login flood of ${sent} requests in ${floodEnd - floodStart} ms, answers ${JSON.stringify(answers)}; ` +
        `step gaps during it max ${Math.max(...stepGaps)} ms (${stepGaps.length} steps), ` +
        `lease renewal gaps max ${Math.max(...renewGaps)} ms (${renewGaps.length} renewals)\n`,
    );
    expect(stepGaps.length).toBeGreaterThanOrEqual(5);
    // One step a second: a step late by more than a second would be a delay the flood caused.
    expect(Math.max(...stepGaps)).toBeLessThan(2000);
    // Renewals every retry period (1 s + up to 20 %), never near the 3 s renew deadline.
    expect(renewGaps.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...renewGaps)).toBeLessThan(2000);
    expect(o.logTail(100_000)).not.toContain("leadership lost");
    // Almost every login was refused before a TokenReview; the few reviewed were refused by the API server.
    expect(answers[429] ?? 0).toBeGreaterThan(sent * 0.9);
    expect(Object.keys(answers).sort()).toEqual(["401", "429"]);
  });

  it("with two replicas a session works whichever pod answers; a logout on one ends it on both", async () => {
    const namespace = await createTestNamespace("replicas");
    cleanup.push(namespace.dispose);
    const ns = namespace.name;
    const token = await editorToken(ns);
    const [a, b] = [operator(ns), operator(ns)];
    const [urlA, urlB] = [await a!.dashboardUrl(), await b!.dashboardUrl()];
    const api = new CanaryApi(kubeConfig(), ns);
    await initializePodinfo(
      {
        ns,
        api,
        operator: a!,
        waitForPhase: async (phase) =>
          void (await eventually(
            async () => (await api.status()).phase === phase,
            { what: `phase ${phase}` },
          )),
        dispose: async () => undefined,
      },
      podinfoCanary(ns, { interval: "1s", metrics: [] }),
    );
    const session = await login(urlA, token);
    expect(session.status).toBe(200);
    const get = (base: string, path: string) =>
      fetch(`${base}${path}`, { headers: { cookie: session.cookie } });
    for (const base of [urlA, urlB]) {
      expect((await get(base, "/api/session")).status, base).toBe(200);
      const list = (await (await get(base, "/api/canaries")).json()) as {
        canaries: { name: string }[];
      };
      expect(list.canaries.map((c) => c.name)).toEqual(["podinfo"]);
    }
    // A write on the other replica with the CSRF token the first one gave.
    const write = await fetch(`${urlB}/api/canaries/${ns}/podinfo/requests`, {
      method: "POST",
      headers: {
        cookie: session.cookie,
        "x-csrf-token": session.csrf,
        "content-type": "application/json",
      },
      body: JSON.stringify({ action: "pause" }),
    });
    expect(write.status).toBe(202);
    // Logout on B: A stops accepting the cookie within a watch event.
    const out = await fetch(`${urlB}/logout`, {
      method: "POST",
      headers: { cookie: session.cookie, "x-csrf-token": session.csrf },
    });
    expect(out.status).toBe(200);
    expect((await get(urlB, "/api/session")).status).toBe(401);
    const loggedOutAt = Date.now();
    await eventually(
      async () => (await get(urlA, "/api/session")).status === 401,
      {
        timeoutMs: 5000,
        intervalMs: 20,
        what: "replica A to refuse the cookie",
      },
    );
    process.stdout.write(
      `dashboard: a logout on one replica reached the other in ${Date.now() - loggedOutAt} ms\n`,
    );
  });

  it("caps streams per session, closes them at logout, and checks names before any review", async () => {
    const namespace = await createTestNamespace("streams");
    cleanup.push(namespace.dispose);
    const ns = namespace.name;
    const token = await editorToken(ns);
    const o = operator(ns);
    const base = await o.dashboardUrl();
    const session = await login(base, token);
    const headers = { cookie: session.cookie };
    const streams = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const controller = new AbortController();
        const answer = await fetch(`${base}/api/stream`, {
          headers,
          signal: controller.signal,
        });
        return { answer, controller };
      }),
    );
    for (const s of streams) expect(s.answer.status).toBe(200);
    const fifth = await fetch(`${base}/api/stream`, { headers });
    expect(fifth.status).toBe(429);
    expect(((await fifth.json()) as { error: string }).error).toBe(
      "this session has 4 live streams; close a dashboard tab",
    );
    // Names that cannot be Kubernetes names: 400 naming the field, before any access review.
    for (const [path, field] of [
      [`/api/canaries/${"a".repeat(64)}/podinfo`, "namespace"],
      [`/api/canaries/${ns}/${"b".repeat(254)}`, "name"],
      [`/api/canaries/Apps/podinfo`, "namespace"],
      [`/api/canaries/${ns}/pod%2Finfo`, "name"],
      [`/api/stream?focus=${ns}/a/b`, "focus"],
    ] as const) {
      const answer = await fetch(`${base}${path}`, { headers });
      expect(answer.status, path).toBe(400);
      expect(((await answer.json()) as { error: string }).error).toMatch(
        new RegExp(`^${field}`),
      );
    }
    // Logout ends the session's streams: each reader sees the "expired" event and the end.
    await fetch(`${base}/logout`, {
      method: "POST",
      headers: { ...headers, "x-csrf-token": session.csrf },
    });
    for (const s of streams) {
      const text = await s.answer.text();
      expect(text).toContain('event: expired\ndata: {"why":"logout"}');
    }
  });
});
