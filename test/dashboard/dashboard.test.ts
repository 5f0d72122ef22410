// The dashboard as people use it: a real headless Chromium logs in with ServiceAccount tokens (checked by
// the API server's TokenReview), watches a real run move, and presses Promote. Access follows RBAC
// (SubjectAccessReview): an editor sees the buttons, a viewer sees no buttons, a stranger sees nothing.
// The HTTP contract (401 without a session, 403 for a write without the CSRF token) is checked with
// plain requests. Screenshots land in test-output/dashboard/.
import { join } from "node:path";
import { RbacAuthorizationV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorProcess } from "../../dev/services/operator.ts";
import {
  healthyAnswer,
  PrometheusStub,
} from "../../dev/services/prometheus-stub.ts";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { launchChromium, outputFolder } from "../support/browser.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
  serviceAccountToken,
} from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

// The page's globals, for the functions puppeteer runs inside it (this file is compiled without DOM types).
declare const document: {
  querySelector(selector: string): {
    getAttribute(name: string): string | null;
    textContent: string | null;
  } | null;
};

const metrics = new PrometheusStub();
let s: Scenario;
let url: string;
let browser: Browser;
const tokens: Record<"editor" | "viewer" | "stranger", string> = {
  editor: "",
  viewer: "",
  stranger: "",
};
const shots = outputFolder("dashboard");
const requested: string[] = [];

/** ServiceAccounts bound to a Role on canaries: editor (list + patch), viewer (list), stranger (none). */
async function accounts(ns: string): Promise<void> {
  const core = kubeConfig().makeApiClient(CoreV1Api);
  const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const roles = {
    editor: ["get", "list", "watch", "patch"],
    viewer: ["get", "list", "watch"],
  };
  for (const name of Object.keys(tokens))
    await core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name } },
    });
  for (const [name, verbs] of Object.entries(roles)) {
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: `canary-${name}` },
        rules: [{ apiGroups: ["flagger.app"], resources: ["canaries"], verbs }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: `canary-${name}` },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Role",
          name: `canary-${name}`,
        },
        subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
      },
    });
  }
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[])
    tokens[name] = await serviceAccountToken(ns, name);
}

async function loggedIn(token: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  // Everything the page loads comes from the dashboard itself (no CDN): recorded for the test to check.
  page.on("request", (request) => requested.push(request.url()));
  await page.goto(url);
  await page.waitForSelector("#token");
  await page.$eval(
    "#token",
    (el, value) => ((el as unknown as { value: string }).value = value),
    token,
  );
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#canaries, #empty");
  return page;
}

beforeAll(async () => {
  await metrics.start();
  s = await startScenario("dash", metrics.url, {
    extraArgs: ["--dashboard-port=0"],
  });
  await accounts(s.ns);
  url = await s.operator.dashboardUrl();
  browser = await launchChromium();
  const canary = podinfoCanary(s.ns, {
    interval: "2s",
    stepWeight: 5,
    maxWeight: 90,
    threshold: 5,
    // A window after the promotion in which Undo works.
    bake: { duration: "5m" },
  });
  // The fixture's request-duration, judged against the primary: its chart draws the primary's value too.
  canary.spec.analysis.metrics = canary.spec.analysis.metrics?.map((m) =>
    m.name === "request-duration"
      ? { ...m, compareTo: "primary", maxDegradation: 2 }
      : m,
  );
  await initializePodinfo(s, canary);
});

afterAll(async () => {
  await browser?.close();
  await s?.dispose();
  await metrics.stop();
});

describe("dashboard", () => {
  it("shows a run live, charts each step, marks a failed check, and promotes from the button", async () => {
    const page = await loggedIn(tokens.editor);
    const row = `tr[data-canary="${s.ns}/podinfo"]`;
    await page.waitForSelector(row);
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    // The list follows the run through its weights, pushed by the stream (no reload).
    for (const weight of [5, 10, 15])
      await page.waitForFunction(
        (sel, w) =>
          document.querySelector(sel)?.getAttribute("data-weight") ===
          String(w),
        { timeout: 30_000 },
        row,
        weight,
      );
    expect(await page.$eval(row, (el) => el.getAttribute("data-phase"))).toBe(
      "Progressing",
    );
    await page.screenshot({ path: join(shots, "list.png"), fullPage: true });

    await page.click(`${row} a`);
    const weightChart = '[data-chart="weight"]';
    await page.waitForSelector(`${weightChart} canvas`);
    const points = async () =>
      Number(
        await page.$eval(weightChart, (el) => el.getAttribute("data-points")),
      );
    // Each step adds one point to the weight chart: watch three steps arrive one by one.
    const seen = [await points()];
    while (seen.length < 4) {
      const last = seen.at(-1) ?? 0;
      await page.waitForFunction(
        (sel, n) =>
          Number(document.querySelector(sel)?.getAttribute("data-points")) > n,
        { timeout: 20_000 },
        weightChart,
        last,
      );
      seen.push(await points());
    }
    expect(seen.slice(1).map((n, i) => n - (seen[i] ?? 0))).toEqual([1, 1, 1]);
    expect(
      await page.$eval('[data-chart="metric:request-duration"]', (el) =>
        el.getAttribute("data-series"),
      ),
    ).toBe("request-duration,failed,max,primary");
    expect(
      await page.$eval('[data-chart="metric:request-success-rate"]', (el) =>
        el.getAttribute("data-series"),
      ),
    ).toBe("request-success-rate,failed,min");

    // One failing check: the success rate drops to 42 % for a moment.
    metrics.answer = (q) => (q.includes("histogram_quantile") ? 20 : 42);
    const rate = '[data-chart="metric:request-success-rate"]';
    await page.waitForFunction(
      (sel) =>
        Number(document.querySelector(sel)?.getAttribute("data-failed")) >= 1,
      { timeout: 20_000 },
      rate,
    );
    metrics.answer = healthyAnswer;
    await page.screenshot({ path: join(shots, "canary.png"), fullPage: true });
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((u) => !u.startsWith(`${url}/`))).toEqual([]);
    expect((await s.api.status()).failedChecks).toBeGreaterThanOrEqual(1);
    const timeline = await page.$eval(
      "#timeline",
      (el) => el.textContent ?? "",
    );
    expect(timeline).toMatch(/request-success-rate 42 outside threshold >= 99/);

    await page.click('button[data-action="promote"]');
    await page.waitForFunction(
      () => document.querySelector("#phase")?.textContent === "Succeeded",
      { timeout: 60_000 },
    );
    expect(await s.api.status()).toMatchObject({
      phase: "Succeeded",
      lastRequest: { action: "promote", result: "done" },
    });
    expect((await s.api.status()).lastRequest?.by).toBe(
      `system:serviceaccount:${s.ns}:editor (dashboard)`,
    );
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    expect(await page.$eval("#request-result", (el) => el.textContent)).toMatch(
      /promote: done/,
    );

    // Undo, within the bake's window: the primary goes back to the release before, recorded as asked
    // from the dashboard. The browser holds the POST's response until the page has already shown the
    // operator's answer (the stream can be faster than the response): the result must still appear.
    const cdp = await page.createCDPSession();
    await cdp.send("Fetch.enable", {
      patterns: [{ urlPattern: "*/requests", requestStage: "Response" }],
    });
    let held: string | undefined;
    cdp.on("Fetch.requestPaused", (event) => {
      held = event.requestId;
    });
    await page.click('button[data-action="undo"]');
    await page.waitForFunction(
      () => document.querySelector("#phase")?.textContent === "Failed",
      { timeout: 30_000 },
    );
    expect(held).toBeDefined();
    await cdp.send("Fetch.continueRequest", { requestId: held! });
    await cdp.send("Fetch.disable");
    expect((await s.api.status()).reverted?.by).toBe(
      `system:serviceaccount:${s.ns}:editor (dashboard)`,
    );
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.0"));
    await page.waitForFunction(
      () =>
        /undo: done/.test(
          document.querySelector("#request-result")?.textContent ?? "",
        ),
      { timeout: 10_000 },
    );
    await page.browserContext().close();
  });

  it("a viewer sees the canary without buttons; a token without access sees nothing; a bad token is refused", async () => {
    const viewer = await loggedIn(tokens.viewer);
    await viewer.waitForSelector(`tr[data-canary="${s.ns}/podinfo"]`);
    await viewer.goto(`${url}/#/canary/${s.ns}/podinfo`);
    await viewer.waitForSelector("#actions");
    expect(await viewer.$$("#actions button")).toHaveLength(0);
    expect(await viewer.$eval("#actions", (el) => el.textContent)).toMatch(
      /Read-only/,
    );
    await viewer.browserContext().close();

    const stranger = await loggedIn(tokens.stranger);
    expect(await stranger.$("#canaries")).toBeNull();
    expect(await stranger.$eval("#empty", (el) => el.textContent)).toMatch(
      /No canaries/,
    );
    await stranger.browserContext().close();

    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector("#token");
    await page.$eval(
      "#token",
      (el) => ((el as unknown as { value: string }).value = "not-a-token"),
    );
    await page.click("#login button[type=submit]");
    await page.waitForFunction(
      () => (document.querySelector("#login-error")?.textContent ?? "") !== "",
    );
    expect(await page.$eval("#login-error", (el) => el.textContent)).toMatch(
      /did not accept/,
    );
    await context.close();
  });

  it("answers 401 without a live session and 403 to a write without the CSRF token", async () => {
    const canary = `${url}/api/canaries/${s.ns}/podinfo`;
    for (const path of [
      `${url}/api/canaries`,
      canary,
      `${url}/api/stream`,
      `${url}/api/session`,
    ])
      expect((await fetch(path)).status, path).toBe(401);
    const forged = { cookie: "siskin_session=forged-session-id" };
    expect(
      (await fetch(`${url}/api/canaries`, { headers: forged })).status,
    ).toBe(401);

    const login = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: tokens.editor }),
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(";")[0] ?? "";
    const { csrf } = (await login.json()) as { csrf: string };
    expect(
      (await fetch(`${url}/api/canaries`, { headers: { cookie } })).status,
    ).toBe(200);
    const write = (headers: Record<string, string>) =>
      fetch(`${canary}/requests`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ action: "resume" }),
      });
    const before = await s.api.canary();
    expect((await write({})).status).toBe(403);
    expect((await write({ "x-csrf-token": "wrong" })).status).toBe(403);
    expect(
      (await write({ "x-csrf-token": csrf, origin: "https://evil.example" }))
        .status,
    ).toBe(403);
    // Refused writes reached nothing: the request annotation is as it was.
    expect((await s.api.canary()).metadata.annotations).toEqual(
      before.metadata.annotations,
    );
    // With the token the request is written; the operator answers it (resume: refused, not paused).
    const accepted = await write({ "x-csrf-token": csrf });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await eventually(
      async () => (await s.api.status()).lastRequest?.id === id,
      {
        what: "the operator to answer the dashboard's request",
      },
    );
    expect((await s.api.status()).lastRequest).toMatchObject({
      action: "resume",
      result: "refused",
    });
    // The token is never written to the operator's log.
    expect(s.operator.logTail(1_000_000)).not.toContain(tokens.editor);
  });

  it("a session ends at its expiry", async () => {
    const empty = await createTestNamespace("dash-ttl");
    const short = new OperatorProcess({
      kubeconfig: clusterState().kubeconfig,
      namespace: empty.name,
      metricsServer: metrics.url,
      extraArgs: ["--dashboard-port=0", "--dashboard-session-ttl=3s"],
    });
    short.start();
    try {
      const base = await short.dashboardUrl();
      const login = await fetch(`${base}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: tokens.viewer }),
      });
      const cookie =
        (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const status = async () =>
        (await fetch(`${base}/api/canaries`, { headers: { cookie } })).status;
      expect(await status()).toBe(200);
      const started = Date.now();
      await eventually(async () => (await status()) === 401, {
        timeoutMs: 10_000,
        what: "the session to expire",
      });
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await short.stop();
      await empty.dispose();
    }
  });
});
