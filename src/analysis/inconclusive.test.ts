import { describe, expect, it } from "vitest";
import type { CheckResult } from "../api/canary.ts";
import { breach, pass, Run } from "../../test/fixtures/decide-run.ts";

const noTraffic: CheckResult[] = [
  {
    metric: "request-success-rate",
    verdict: "inconclusive",
    threshold: ">= 99",
    message:
      "no traffic to judge: 0 canary requests in the last 1m, fewer than minRequests 10",
  },
];
const noData: CheckResult[] = [
  { metric: "request-duration", verdict: "nodata", threshold: "<= 500" },
];

/** A run started on rev2 and one passing step in (weight 10), ready for the next step. */
function running(overrides: ConstructorParameters<typeof Run>[0] = {}): Run {
  const run = new Run(overrides).tick();
  run.obs.targetRevision = "rev2";
  run.tick().advance(10_000).tick();
  expect(run.status.canaryWeight).toBe(10);
  return run;
}

describe("decide: inconclusive checks", () => {
  it.each([
    ["too few requests", noTraffic],
    ["no data", noData],
  ])(
    "%s holds the step: no weight change, no failed check, the reason reported",
    (_, checks) => {
      const run = running();
      run.advance(10_000).tick(checks);
      expect(run.status).toMatchObject({
        phase: "Progressing",
        canaryWeight: 10,
        failedChecks: 0,
        inconclusiveChecks: 1,
      });
      expect(run.status.message).toMatch(/inconclusive 1\/3/);
      expect(run.actions).toContainEqual({
        type: "setRoutes",
        primaryWeight: 90,
        canaryWeight: 10,
      });
      // Not announced as a failure.
      expect(run.actions.some((a) => a.type === "notify")).toBe(false);
      expect(
        run.actions.some(
          (a) => a.type === "event" && a.eventType === "Warning",
        ),
      ).toBe(false);
    },
  );

  it("no traffic at all rolls back after maxInconclusive + threshold intervals, saying no traffic", () => {
    const run = running({ threshold: 2, maxInconclusive: 3 });
    const phases: string[] = [];
    for (let i = 0; i < 5; i++) {
      run.advance(10_000).tick(noTraffic);
      phases.push(`${run.status.phase}:${run.status.failedChecks}`);
    }
    expect(phases).toEqual([
      "Progressing:0",
      "Progressing:0",
      "Progressing:0",
      "Progressing:1",
      "Failed:2",
    ]);
    expect(run.status.message).toMatch(
      /no traffic: 5 inconclusive intervals in a row \(maxInconclusive 3\)/,
    );
  });

  it("a conclusive step ends the streak; a failing one too", () => {
    const run = running({ threshold: 5 });
    run.advance(10_000).tick(noTraffic).advance(10_000).tick(noTraffic);
    expect(run.status.inconclusiveChecks).toBe(2);
    run.advance(10_000).tick(pass);
    expect(run.status).toMatchObject({
      inconclusiveChecks: 0,
      canaryWeight: 20,
    });
    run.advance(10_000).tick(noTraffic);
    run.advance(10_000).tick([...breach, ...noData]);
    expect(run.status).toMatchObject({
      inconclusiveChecks: 0,
      failedChecks: 1,
    });
  });

  it("the streak survives a restart: it lives in the status", () => {
    const run = running({ threshold: 1, maxInconclusive: 2 });
    run.advance(10_000).tick(noTraffic).advance(10_000).tick(noTraffic);
    // A new operator process: a fresh driver that knows only the status and the cluster.
    const restarted = new Run({ threshold: 1, maxInconclusive: 2 });
    restarted.status = structuredClone(run.status);
    restarted.obs = structuredClone(run.obs);
    restarted.now = run.now;
    restarted.advance(10_000).tick(noTraffic);
    expect(restarted.status.phase).toBe("Failed");
    expect(restarted.status.message).toMatch(/no traffic: 3 inconclusive/);
  });

  it("a new run starts with no streak", () => {
    const run = running();
    run.advance(10_000).tick(noTraffic);
    run.obs.targetRevision = "rev3";
    run.tick();
    expect(run.status.inconclusiveChecks).toBe(0);
  });
});

describe("decide: dry-run checks", () => {
  const dryBreach: CheckResult[] = [
    ...pass,
    {
      metric: "p95-latency",
      verdict: "fail",
      value: 900,
      threshold: "<= 500",
      dryRun: true,
    },
  ];

  it("a failing dry-run check is reported but the run advances", () => {
    const run = running();
    run.advance(10_000).tick(dryBreach);
    expect(run.status).toMatchObject({ canaryWeight: 20, failedChecks: 0 });
    const warnings = run.actions.filter(
      (a) => a.type === "event" && a.eventType === "Warning",
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /metric p95-latency 900 outside threshold <= 500 \(dry-run: not counted\)/,
        ),
      }),
    ]);
    const history = run.status.history?.runs.at(-1)?.metrics;
    expect(history?.find((m) => m.name === "p95-latency")?.r).toBe("-f");
  });

  it("an inconclusive dry-run check holds nothing; dry-run checks alone never roll back", () => {
    const run = running({ threshold: 1 });
    run
      .advance(10_000)
      .tick([...pass, { ...noTraffic[0]!, metric: "trial", dryRun: true }]);
    expect(run.status).toMatchObject({
      canaryWeight: 20,
      inconclusiveChecks: 0,
    });
    for (let i = 0; i < 3; i++)
      run.advance(10_000).tick([{ ...dryBreach[1]!, metric: "trial" }]);
    expect(run.status.failedChecks).toBe(0);
    expect(run.status.phase).not.toBe("Failed");
  });
});
