// Judging a canary right, with built-in Gloo metrics against the real Prometheus scraping an Envoy
// exporter whose traffic the test controls: checks with too little to judge hold the step instead of
// failing (the count of canary requests in each window decides), and compareTo: primary judges the
// canary against the primary over the same window.
import { describe, expect, it } from "vitest";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { eventually } from "../support/cluster.ts";
import { envoyMetrics } from "../support/envoy-metrics.ts";
import { initializePodinfo, type Scenario } from "../support/scenario.ts";

const envoy = envoyMetrics();
const quiet = { rps: 0, errorRate: 0, latencyMs: 10 };
const healthy = { rps: 50, errorRate: 0, latencyMs: 10 };
const metrics = [
  { name: "request-success-rate", thresholdRange: { min: 99 }, interval: "5s" },
  { name: "request-duration", thresholdRange: { max: 500 }, interval: "5s" },
];

async function scenario(
  prefix: string,
  analysis: Record<string, unknown>,
  traffic = { canary: quiet, primary: quiet },
): Promise<{ s: Scenario; cluster: string }> {
  const s = await envoy.scenario(prefix);
  const cluster = envoy.cluster(s, "canary");
  envoy.exporter.setTraffic(cluster, traffic.canary);
  envoy.exporter.setTraffic(envoy.cluster(s, "primary"), traffic.primary);
  await initializePodinfo(s, podinfoCanary(s.ns, { metrics, ...analysis }));
  return { s, cluster };
}

const verdicts = async (s: Scenario, metric: string) =>
  (await s.api.status()).history?.runs
    .at(-1)
    ?.metrics.find((m) => m.name === metric)?.r ?? "";

describe("inconclusive checks", () => {
  it("no canary traffic for 2 intervals, then healthy traffic: promoted with zero failed checks", async () => {
    const { s, cluster } = await scenario("quiet-start", {
      interval: "3s",
      stepWeight: 20,
      maxWeight: 40,
      threshold: 1,
    });
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await eventually(
      async () => ((await s.api.status()).inconclusiveChecks ?? 0) >= 2,
      { timeoutMs: 30_000, what: "two inconclusive intervals" },
    );
    const held = await s.api.status();
    expect(held).toMatchObject({ phase: "Progressing", failedChecks: 0 });
    expect(held.message).toMatch(/no traffic to judge: 0 canary requests/);
    envoy.exporter.setTraffic(cluster, healthy);
    await s.waitForPhase("Succeeded", 90_000);
    expect((await s.api.status()).failedChecks).toBe(0);
    // The record of the run: held twice (or three times) on "inconclusive", then passed.
    expect(await verdicts(s, "request-success-rate")).toMatch(/^-i{2,3}p+$/);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
  });

  it("a canary that never gets traffic rolls back after maxInconclusive + threshold intervals, saying no traffic", async () => {
    const { s } = await scenario("never", {
      interval: "2s",
      stepWeight: 20,
      maxWeight: 40,
      threshold: 2,
      maxInconclusive: 2,
    });
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Failed", 60_000);
    const status = await s.api.status();
    expect(status.message).toMatch(
      /no traffic: 4 inconclusive intervals in a row \(maxInconclusive 2\)/,
    );
    // Two held intervals, then two counted as failed: 4 checked steps, every one without traffic.
    expect(await verdicts(s, "request-success-rate")).toBe("-iiii");
    await s.api.routedTo([100, 0]);
    expect(await s.api.image("podinfo-primary")).toBe(podinfoImage("6.0.0"));
  });
});

describe("compareTo: primary", () => {
  // The canary answers in 200 ms, the primary in 100 ms: both well under an absolute 500 ms.
  const slowCanary = {
    canary: { rps: 50, errorRate: 0, latencyMs: 200 },
    primary: { rps: 50, errorRate: 0, latencyMs: 100 },
  };
  const analysis = (judge?: "point" | "mann-whitney") => ({
    interval: "2s",
    stepWeight: 25,
    maxWeight: 50,
    // The Mann-Whitney judge needs 4 values per side: 3 windows judged alone fail first.
    threshold: judge === "mann-whitney" ? 5 : 2,
    metrics: [
      {
        name: "request-duration",
        thresholdRange: { max: 500 },
        interval: "5s",
        ...(judge ? { compareTo: "primary", maxDegradation: 1.5, judge } : {}),
        ...(judge === "mann-whitney" ? { minSamples: 4 } : {}),
      },
    ],
  });

  it("a canary twice as slow as the primary passes max: 500 but fails maxDegradation: 1.5 and the U test, naming both values", async () => {
    const absolute = await scenario("abs", analysis(), slowCanary);
    const compared = await scenario("cmp", analysis("point"), slowCanary);
    const tested = await scenario("mwu", analysis("mann-whitney"), slowCanary);
    await Promise.all(
      [absolute, compared, tested].map((c) =>
        c.s.api.setImage("podinfo", podinfoImage("6.0.1")),
      ),
    );
    await Promise.all([
      absolute.s.waitForPhase("Succeeded", 90_000),
      compared.s.waitForPhase("Failed", 90_000),
      tested.s.waitForPhase("Failed", 90_000),
    ]);
    const events = await compared.s.api.core.listNamespacedEvent({
      namespace: compared.s.ns,
    });
    const failed = events.items.filter((e) => e.reason === "MetricCheckFailed");
    expect(failed.length).toBeGreaterThanOrEqual(1);
    // Envoy's histogram buckets: 200 ms lands in (100, 250], 100 ms in (50, 100].
    expect(failed[0]?.message).toMatch(
      /metric request-duration \d+(\.\d+)? outside threshold <= 1.5x primary, <= 500 \(canary \d+(\.\d+)? vs primary \d+(\.\d+)?: \d\.\d\dx the primary \(max 1.5x\)\)/,
    );
    const last = (await compared.s.api.status()).lastChecks?.[0];
    expect(last?.value).toBeGreaterThan(150);
    expect(last?.primaryValue).toBeLessThanOrEqual(100);
    expect(await compared.s.api.image("podinfo-primary")).toBe(
      podinfoImage("6.0.0"),
    );

    // judge: mann-whitney: windows judged alone until 4 values per side, then the test over all of them.
    const testedEvents = await tested.s.api.core.listNamespacedEvent({
      namespace: tested.s.ns,
    });
    const messages = testedEvents.items
      .filter((e) => e.reason === "MetricCheckFailed")
      .map((e) => e.message ?? "");
    expect(messages.some((m) => /1 of 4 values per side so far/.test(m))).toBe(
      true,
    );
    expect(
      messages.some((m) =>
        /mann-whitney over 4 canary and 4 primary values: U=16, p=0\.0\d+ \(significance 0\.05\), effect \d\.\d+x the primary \(max 1\.5x\)/.test(
          m,
        ),
      ),
    ).toBe(true);
    const run = (await tested.s.api.status()).history?.runs.at(-1);
    expect(run?.outcome).toBe("failed");
    expect(run?.metrics[0]?.pv?.filter((v) => v !== null).length).toBe(5);
  });
});
