// npm run demo, run as a user would (non-interactively): both releases end as they should, the routes
// step as the Canary says, the gateway's measured split follows the weights, the numbers the operator
// judged came from that traffic through Prometheus, and Ctrl-C leaves nothing behind.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DemoReport } from "../../demo/report.ts";
import { minRequestsPerStep } from "../../demo/report.ts";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { isAlive } from "../../dev/cluster/process.ts";

function runDemo(
  args: string[],
  onOutput?: (text: string, child: ReturnType<typeof spawn>) => void,
) {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "demo/run.ts"), ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    onOutput?.(output, child);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output })),
  );
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port }, () =>
      server.close(() => resolve(true)),
    );
  });

/** kubectl siskin replay, run as a process (no cluster needed). */
function replayCli(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      join(repoRoot, "src/cli/main.ts"),
      "replay",
      ...args,
    ]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("npm run demo", () => {
  it("promotes 6.0.1, rolls back 6.0.2, reverts 6.0.3 in its bake, with the traffic and the numbers to show for it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-demo-test-"));
    const reportPath = join(dir, "report.json");
    const { code, output } = await runDemo(["--report", reportPath]);
    expect(code, output.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as DemoReport;
    expect(report.releases.map((r) => [r.version, r.phase])).toEqual([
      ["6.0.1", "Succeeded"],
      ["6.0.2", "Failed"],
      ["6.0.3", "Reverted"],
    ]);
    expect(report.seconds).toBeLessThan(420);
    // The dashboard runs beside the demo, on loopback.
    expect(output).toMatch(/dashboard http:\/\/127\.0\.0\.1:\d+ /);
    // Too little canary traffic in the first windows holds the step instead of failing it.
    expect(report.releases[0]?.failedChecks).toBe(0);
    // The demo's Canary compares with the primary: 6.0.2 is rolled back for being worse than 6.0.1.
    expect(report.releases[1]?.message).toMatch(
      /^Rolling back podinfo\.apps: Canary analysis failed \d+ times \(threshold 5\): metric request-\S+ [\d.]+ outside threshold (>= primary - 1, >= 99|<= 3x primary) \(canary [\d.]+ vs primary [\d.]+: /,
    );
    expect(report.releases[1]?.message).not.toMatch(/no traffic/);

    // The runs as recorded in status.history, replayed by the decision core with no cluster.
    const runs = report.recordedRuns ?? {};
    const promoted = await replayCli(runs["6.0.1"] ?? "");
    expect(promoted.out).toMatch(
      /outcome: promoted \(recorded: promoted\); every recorded step decided the same/,
    );
    expect(promoted.code).toBe(0);
    const failed = await replayCli(runs["6.0.2"] ?? "");
    expect(failed.out).toMatch(
      /outcome: failed \(recorded: failed\); every recorded step decided the same/,
    );
    expect(failed.code).toBe(1);
    const looser = await replayCli(
      runs["6.0.2"] ?? "",
      "--set",
      "analysis.metrics[0].maxDegradation=100",
      "--set",
      "analysis.metrics[1].maxDegradation=100",
      // The success rate keeps the example's own floor too (what the bake judges by).
      "--set",
      "analysis.metrics[0].thresholdRange.min=0",
    );
    expect(looser.out).toMatch(/<- diverges: the recording failed/);
    expect(looser.out).toMatch(
      /outcome: promoted \(recorded: failed\); decisions diverge from step \d+/,
    );
    expect(looser.code).toBe(0);

    // The RouteTable, watched: every step of the weighted canary, then back to the primary.
    expect(report.weights["6.0.1"]).toEqual([
      0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 0,
    ]);
    expect(report.weights["6.0.2"]).toEqual([0, 5, 0]);

    // The gateway's own counters per upstream: the canary's share at each step follows its weight.
    const judged = report.steps.filter(
      (s) => s.primary + s.canary >= minRequestsPerStep,
    );
    expect(judged.length).toBeGreaterThanOrEqual(10);
    for (const step of judged)
      expect(
        Math.abs((step.measuredCanaryPercent ?? 0) - step.canaryWeight),
        JSON.stringify(step),
      ).toBeLessThanOrEqual(5);

    // Prometheus holds exactly what the gateway counted (it scraped the gateway, nothing else).
    expect(Object.keys(report.gatewayTotals)).toHaveLength(2);
    expect(report.prometheusTotals).toEqual(report.gatewayTotals);

    // The verdicts follow the traffic: 6.0.1 served no errors and was judged 100% and fast, as the
    // primary was; 6.0.2 served errors and slow answers and was judged below 99% and above 500 ms.
    const values = (run: string, metric: string) =>
      report.checks
        .filter((c) => c.run === run)
        .flatMap((c) =>
          c.checks
            .filter((k) => k.metric === metric && k.value !== undefined)
            .map((k) => k.value ?? 0),
        );
    expect(report.runs["6.0.1"]).toMatchObject({ canaryErrors: 0 });
    expect(report.runs["6.0.1"]?.canaryRequests).toBeGreaterThan(100);
    expect(
      values("6.0.1", "request-success-rate").every((v) => v === 100),
    ).toBe(true);
    expect(values("6.0.1", "request-duration").every((v) => v < 100)).toBe(
      true,
    );
    const primaryValues = report.checks
      .filter((c) => c.run === "6.0.1")
      .flatMap((c) => c.checks.map((k) => k.primaryValue))
      .filter((v) => v !== undefined);
    expect(primaryValues.length).toBeGreaterThan(0);
    expect(report.runs["6.0.2"]?.canaryErrors).toBeGreaterThan(0);
    expect(values("6.0.2", "request-success-rate").some((v) => v < 99)).toBe(
      true,
    );
    expect(values("6.0.2", "request-duration").some((v) => v > 500)).toBe(true);
    // Where the operator judged, the gateway had seen the same kind of traffic in that window.
    for (const c of report.checks.filter(
      (x) => x.run === "6.0.1" && x.gatewaySuccessRate !== undefined,
    ))
      expect(c.gatewaySuccessRate).toBe(100);
    expect(
      report.checks.some(
        (c) => c.run === "6.0.2" && (c.gatewaySuccessRate ?? 100) < 99,
      ),
    ).toBe(true);

    expect(report.slack).toEqual(
      expect.arrayContaining([
        expect.stringContaining("Promotion completed"),
        expect.stringContaining("Rolling back podinfo.apps"),
        expect.stringContaining(
          "Reverted podinfo.apps to the previous release",
        ),
      ]),
    );
    expect(output).toContain("6.0.2: Failed");

    // 6.0.3 passed its analysis (every step, up to 50 %), was promoted, failed its bake once it took
    // all the traffic, and the primary went back to 6.0.1; the replay of its run decides the same.
    expect(report.weights["6.0.3"]).toEqual([
      0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 0,
    ]);
    expect(report.releases[2]?.message).toMatch(
      /^Reverted podinfo\.apps to the previous release .*failed 5 checks during the bake \(threshold 5\): metric request-success-rate [\d.]+ outside threshold >= 99/,
    );
    expect(output).toMatch(
      /reverted after \d+ bake checks of the primary \(success rate [^)]*\): the promoted release failed 5 checks during the bake/,
    );
    expect(output).toContain("podinfo-primary runs 6.0.1 again");
    const reverted = await replayCli(runs["6.0.3"] ?? "");
    expect(reverted.out).toMatch(
      /outcome: reverted \(recorded: reverted\); every recorded step decided the same/,
    );
    expect(reverted.code).toBe(1);
  });

  it.each([
    ["gatewayapi", ["kube_apps_podinfo-canary_9898"]],
    [
      "both",
      [
        "apps-podinfo-canaryupstream-9898_apps",
        "kube_apps_podinfo-canary_9898",
      ],
    ],
  ] as const)(
    "--gateway %s: the same story through Gateway API (both: half of the load through each gateway)",
    async (mode, canaryClusters) => {
      const dir = mkdtempSync(join(tmpdir(), "siskin-demo-test-"));
      const reportPath = join(dir, "report.json");
      // The third release (the bake) is the first test's; these show the gateways, at a shorter interval
      // (the suite's time: the steps' checks still see 10 s windows of traffic).
      const { code, output } = await runDemo([
        "--gateway",
        mode,
        "--no-bake",
        "--interval",
        "3s",
        "--report",
        reportPath,
      ]);
      expect(code, output.slice(-3000)).toBe(0);
      const report = JSON.parse(readFileSync(reportPath, "utf8")) as DemoReport;
      expect(report.releases.map((r) => [r.version, r.phase])).toEqual([
        ["6.0.1", "Succeeded"],
        ["6.0.2", "Failed"],
      ]);
      expect(report.weights["6.0.1"]).toEqual([
        0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 0,
      ]);
      // Each gateway carried canary traffic, counted alike by the gateway and by Prometheus.
      for (const cluster of canaryClusters) {
        expect(report.gatewayTotals[cluster], cluster).toBeGreaterThan(40);
        expect(report.prometheusTotals[cluster], cluster).toBe(
          report.gatewayTotals[cluster],
        );
      }
      if (mode === "both")
        for (const weight of [5, 25, 50])
          expect(output).toContain(
            `both gateways carry ${weight}%: Gloo RouteTable ${weight}%, kgateway HTTPRoute ${weight}%`,
          );
    },
  );

  it("Ctrl-C during a release stops every process and frees every port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "siskin-demo-test-"));
    const stateFile = join(dir, "state.json");
    let interrupted = false;
    const { code, output } = await runDemo(
      ["--state-file", stateFile],
      (text, child) => {
        if (!interrupted && text.includes("weight   5%")) {
          interrupted = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(interrupted, output.slice(-2000)).toBe(true);
    expect(code).toBe(130);
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as {
      pids: number[];
      ports: number[];
    };
    expect(state.pids.length).toBeGreaterThanOrEqual(8); // 5 cluster components, Prometheus, load tester, operator
    for (const pid of state.pids)
      expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const port of state.ports)
      expect(await portFree(port), `port ${port}`).toBe(true);
  });
});
