import { describe, expect, it } from "vitest";
import type { CheckResult } from "../api/canary.ts";
import { resolveCanarySpec, type ResolvedMetric } from "../api/resolve.ts";
import { Run } from "../../test/fixtures/decide-run.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import { replay } from "./replay.ts";
import { judgeAgainstPrimary } from "./verdicts.ts";

const latency: ResolvedMetric = {
  name: "request-duration",
  intervalMs: 60_000,
  templateVariables: {},
  minRequests: 0,
  dryRun: false,
  compare: {
    maxDegradation: 1.5,
    as: "ratio",
    samples: { min: 4, significance: 0.05 },
  },
};
const weights = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50];

/** What runCheck hands the core for one window: the point comparison of both values. */
const window = (canary: number, primary: number): CheckResult[] => [
  judgeAgainstPrimary(
    "request-duration",
    canary,
    primary,
    latency.compare!,
    {},
  ),
];

/** A release judged on the given (canary, primary) windows, one per step, until it ends. */
function release(windows: [number, number][], threshold = 2) {
  const run = new Run({ metrics: [latency], weights, threshold }).tick();
  run.obs.targetRevision = "rev2";
  // The first step, at weight 0, has no traffic to judge.
  run.tick().advance(10_000).tick();
  const messages: string[] = [];
  for (const [canary, primary] of windows) {
    run.advance(10_000).tick(window(canary, primary));
    messages.push(run.status.lastChecks?.[0]?.message ?? "");
    if (run.status.phase !== "Progressing") break;
  }
  while (["Promoting", "Finalising"].includes(run.status.phase ?? ""))
    run.advance(10_000).tick();
  return { run, messages };
}

const primaryMs = [101, 98, 103, 99, 100, 97, 102, 104, 96, 100];

describe("judge: mann-whitney", () => {
  it("judges each window until both sides have minSamples values, then the run's values, naming U, p and the effect", () => {
    const twice = primaryMs.map((p, i) => [2 * p + i, p] as [number, number]);
    const { run, messages } = release(twice, 5);
    expect(messages[0]).toBe(
      "canary 202 vs primary 101: 2.00x the primary (max 1.5x); mann-whitney: 1 of 4 values per side so far, judged by this window",
    );
    expect(messages[3]).toBe(
      "mann-whitney over 4 canary and 4 primary values: U=16, p=0.0286 (significance 0.05), effect 2.01x the primary (max 1.5x)",
    );
    expect(run.status.history?.runs.at(-1)?.f).toBe("pfffff");
    expect(run.status.phase).toBe("Failed");
  });

  it("rolls back a run whose canary is consistently 2x the primary at threshold", () => {
    const { run, messages } = release(
      primaryMs.map((p, i) => [2 * p + i, p] as [number, number]),
    );
    expect(run.status.phase).toBe("Failed");
    expect(run.status.history?.runs.at(-1)?.f).toBe("pff");
    expect(messages[1]).toMatch(/2 of 4 values per side so far/);
  });

  it("a significant difference inside the tolerance band passes", () => {
    const slightly = primaryMs.map((p) => [p * 1.2, p] as [number, number]);
    const { run, messages } = release(slightly);
    expect(run.status.phase).toBe("Succeeded");
    expect(messages.at(-1)).toMatch(/p=0\.000\d+.*effect 1\.20x the primary/);
  });

  it("one noisy window does not fail a run the test judges", () => {
    const noisy = primaryMs.map(
      (p, i) => [i === 6 ? 3 * p : p + 1, p] as [number, number],
    );
    const { run, messages } = release(noisy);
    expect(run.status.phase).toBe("Succeeded");
    expect(run.status.failedChecks).toBe(0);
    expect(messages[6]).toMatch(
      /^mann-whitney over 7 canary and 7 primary values: U=\S+, p=\S+ /,
    );
  });

  it("a restart mid-run keeps the samples: they are in status.history", () => {
    const twice = primaryMs.map(
      (p, i) => [1.45 * p + i, p] as [number, number],
    );
    const whole = release(twice);
    const first = release(twice.slice(0, 5));
    // The operator restarts: a new core sees only the status the API server kept.
    const resumed = new Run({ metrics: [latency], weights, threshold: 2 });
    resumed.status = structuredClone(first.run.status);
    resumed.obs = { ...first.run.obs };
    resumed.now = first.run.now;
    for (const [c, p] of twice.slice(5)) {
      resumed.advance(10_000).tick(window(c, p));
      if (resumed.status.phase !== "Progressing") break;
    }
    expect(resumed.status.lastChecks).toEqual(whole.run.status.lastChecks);
  });

  it("replay reaches the same verdicts, and a wider band promotes", () => {
    const { run } = release(
      primaryMs.map((p, i) => [2 * p + i, p] as [number, number]),
    );
    const recorded = run.status.history!.runs.at(-1)!;
    // Step 0 (weight 0) judged nothing; each later step kept both values.
    expect(recorded.metrics[0]?.pv?.slice(0, 3)).toEqual([null, 101, 98]);
    const again = replay(run.spec, recorded);
    expect(again.outcome).toBe("failed");
    expect(again.divergedAt).toBeUndefined();
    const wider = replay(
      {
        ...run.spec,
        metrics: [
          { ...latency, compare: { ...latency.compare!, maxDegradation: 2.5 } },
        ],
      },
      recorded,
    );
    expect(wider.outcome).toBe("promoted");
    // Step 0 (weight 0) judged nothing; step 1 is the first to pass now.
    expect(wider.divergedAt).toBe(1);
  });
});

describe("judge: mann-whitney in the spec", () => {
  const resolve = (metric: Record<string, unknown>) => {
    const spec = seedCanarySpec();
    spec.analysis.metrics = [{ name: "request-duration", ...metric }];
    return resolveCanarySpec(spec, {
      namespace: "apps",
      knownProviders: ["gloo"],
      defaultProvider: "gloo",
      defaultMetricsServer: "",
      minIntervalMs: 10_000,
    });
  };

  it("defaults minSamples 5 and significance 0.05", () => {
    const resolved = resolve({
      compareTo: "primary",
      maxDegradation: 1.5,
      judge: "mann-whitney",
    });
    expect(resolved.ok && resolved.spec.metrics[0]?.compare).toEqual({
      maxDegradation: 1.5,
      as: "ratio",
      samples: { min: 5, significance: 0.05 },
    });
  });

  it("names the field to fix when the test has nothing to compare with", () => {
    expect(
      resolve({ judge: "mann-whitney", thresholdRange: { max: 500 } }),
    ).toEqual({
      ok: false,
      issues: [
        {
          path: "spec.analysis.metrics[0].judge",
          message:
            "the Mann-Whitney judge compares the canary with the primary: set compareTo: primary and maxDegradation",
        },
      ],
    });
    const stray = resolve({
      compareTo: "primary",
      maxDegradation: 2,
      minSamples: 8,
    });
    expect(!stray.ok && stray.issues.map((i) => i.path)).toEqual([
      "spec.analysis.metrics[0].judge",
    ]);
  });
});
