import { describe, expect, it } from "vitest";
import { resolveCanarySpec } from "./resolve.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import type { CanarySpec } from "./canary.ts";

const ctx = {
  namespace: "apps",
  knownProviders: ["gloo"],
  defaultProvider: "gloo",
  defaultMetricsServer: "",
  minIntervalMs: 1_000,
};

function resolveWith(mutate: (spec: CanarySpec) => void) {
  const spec = seedCanarySpec();
  mutate(spec);
  return resolveCanarySpec(spec, ctx);
}

describe("analysis.bake", () => {
  it("defaults to the run's metrics that have a threshold of their own", () => {
    const resolved = resolveWith((s) => {
      s.analysis.interval = "30s";
      s.analysis.bake = { duration: "10m" };
      s.analysis.metrics = [
        { name: "request-success-rate", thresholdRange: { min: 99 } },
        {
          name: "request-duration",
          compareTo: "primary",
          maxDegradation: 1.5,
        },
      ];
    });
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
    expect(resolved.spec.bake?.durationMs).toBe(600_000);
    expect(resolved.spec.bake?.metrics.map((m) => m.name)).toEqual([
      "request-success-rate",
    ]);
  });

  it("names the field and the fix for a bad duration, an unknown metric and a compare-only one", () => {
    const bad = (bake: NonNullable<CanarySpec["analysis"]["bake"]>) => {
      const resolved = resolveWith((s) => {
        s.analysis.interval = "30s";
        s.analysis.bake = bake;
        s.analysis.metrics = [
          { name: "request-success-rate", thresholdRange: { min: 99 } },
          {
            name: "slower",
            compareTo: "primary",
            maxDegradation: 1.5,
            query: "x",
          },
        ];
      });
      return resolved.ok ? [] : resolved.issues;
    };
    expect(bad({ duration: "soon" })).toEqual([
      {
        path: "spec.analysis.bake.duration",
        message: '"soon" is not a duration like 10m or 1h',
      },
    ]);
    expect(bad({ duration: "10s" })[0]?.message).toMatch(
      /shorter than analysis.interval/,
    );
    expect(bad({ duration: "48h" })[0]?.message).toMatch(/maximum of 24h/);
    expect(bad({ duration: "10m", metrics: ["nope"] })).toEqual([
      {
        path: "spec.analysis.bake.metrics[0]",
        message:
          "nope is not one of analysis.metrics (request-success-rate, slower)",
      },
    ]);
    expect(bad({ duration: "10m", metrics: ["slower"] })[0]).toMatchObject({
      path: "spec.analysis.bake.metrics[0]",
      message: expect.stringMatching(
        /only compares the canary with the primary/,
      ),
    });
  });
});

describe("analysis.rollbackWindow", () => {
  const issuesOf = (mutate: (spec: CanarySpec) => void) => {
    const resolved = resolveWith(mutate);
    return resolved.ok
      ? []
      : resolved.issues.map((i) => i.path + ": " + i.message);
  };

  it("resolves beside a bake, and names the field and the fix otherwise", () => {
    const resolved = resolveWith((s) => {
      s.analysis.bake = { duration: "10m" };
      s.analysis.rollbackWindow = "15m";
    });
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
    expect(resolved.spec.bake?.rollbackWindowMs).toBe(900_000);
    expect(
      issuesOf((s) => {
        s.analysis.rollbackWindow = "15m";
      }),
    ).toEqual([
      "spec.analysis.rollbackWindow: warm pods serve a bake revert or an undo, which need analysis.bake; add analysis.bake (for example duration: 10m) or remove rollbackWindow",
    ]);
    expect(
      issuesOf((s) => {
        s.analysis.bake = { duration: "10m" };
        s.analysis.rollbackWindow = "a while";
      }),
    ).toEqual([
      'spec.analysis.rollbackWindow: "a while" is not a duration like 10m or 1h',
    ]);
    expect(
      issuesOf((s) => {
        s.analysis.bake = { duration: "10m" };
        s.analysis.rollbackWindow = "25h";
      }),
    ).toEqual([
      "spec.analysis.rollbackWindow: 25h is longer than the maximum of 24h; lower it",
    ]);
  });
});
