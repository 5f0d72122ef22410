import { describe, expect, it } from "vitest";
import type { CanarySpec } from "./canary.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import { resolveCanarySpec, type ResolveContext } from "./resolve.ts";

const ctx: ResolveContext = {
  namespace: "apps",
  knownProviders: ["gloo", "kubernetes"],
  defaultProvider: "gloo",
  defaultMetricsServer: "http://127.0.0.1:9090",
  minIntervalMs: 10_000,
};

describe("resolveCanarySpec", () => {
  it("defaults the seed's Canary into a weighted canary stepping 5..50", () => {
    const result = resolveCanarySpec(seedCanarySpec(), ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec).toMatchObject({
      provider: "gloo",
      apexName: "podinfo",
      portName: "http",
      strategy: "canary",
      intervalMs: 10_000,
      threshold: 5,
      progressDeadlineSeconds: 600,
      primaryReadyThreshold: 100,
    });
    expect(result.spec.weights).toEqual([
      5, 10, 15, 20, 25, 30, 35, 40, 45, 50,
    ]);
    expect(
      result.spec.metrics.map((m) => [m.name, m.intervalMs, m.min, m.max]),
    ).toEqual([
      ["request-success-rate", 60_000, 99, undefined],
      ["request-duration", 30_000, undefined, 500],
    ]);
  });

  it("--no-cross-namespace-refs refuses templates and alert providers of other namespaces, naming the field", () => {
    const spec = seedCanarySpec();
    spec.analysis.metrics = [
      {
        name: "latency",
        templateRef: { name: "latency", namespace: "monitoring" },
        thresholdRange: { max: 500 },
      },
      {
        name: "errors",
        templateRef: { name: "errors", namespace: "apps" },
        thresholdRange: { max: 1 },
      },
    ];
    spec.analysis.alerts = [
      { name: "on-call", providerRef: { name: "slack", namespace: "ops" } },
    ];
    expect(resolveCanarySpec(spec, ctx).ok).toBe(true);
    const result = resolveCanarySpec(spec, {
      ...ctx,
      noCrossNamespaceRefs: true,
    });
    expect(!result.ok && result.issues.map((i) => i.path)).toEqual([
      "spec.analysis.metrics[0].templateRef.namespace",
      "spec.analysis.alerts[0].providerRef.namespace",
    ]);
    expect(!result.ok && result.issues[0]?.message).toContain(
      "create the object in apps and remove the namespace field",
    );
  });

  it("caps the last step at maxWeight and picks strategies from iterations and match", () => {
    const spec = seedCanarySpec();
    spec.analysis.stepWeight = 20;
    const weighted = resolveCanarySpec(spec, ctx);
    expect(weighted.ok && weighted.spec.weights).toEqual([20, 40, 50]);
    const blueGreen = resolveCanarySpec(
      {
        ...spec,
        analysis: { ...spec.analysis, stepWeight: undefined, iterations: 3 },
      },
      ctx,
    );
    expect(blueGreen.ok && blueGreen.spec.strategy).toBe("blueGreen");
    const ab = resolveCanarySpec(
      {
        ...spec,
        analysis: {
          ...spec.analysis,
          iterations: 3,
          match: [{ headers: { "x-canary": { exact: "insider" } } }],
        },
      },
      ctx,
    );
    expect(ab.ok && ab.spec.strategy).toBe("abTesting");
  });

  it.each<[string, (s: CanarySpec) => void, string, RegExp]>([
    [
      "an unknown provider",
      (s) => (s.provider = "istoi"),
      "spec.provider",
      /unknown provider "istoi"; supported: gloo, kubernetes/,
    ],
    [
      "stepWeight above maxWeight",
      (s) => (s.analysis.stepWeight = 60),
      "spec.analysis.stepWeight",
      /60 is above maxWeight 50/,
    ],
    [
      "an interval below the minimum",
      (s) => (s.analysis.interval = "5s"),
      "spec.analysis.interval",
      /below the minimum of 10s/,
    ],
    [
      "an unknown metric",
      (s) =>
        (s.analysis.metrics = [
          { name: "error-rate", thresholdRange: { max: 1 } },
        ]),
      "spec.analysis.metrics[0].name",
      /set templateRef/,
    ],
    [
      "a metric without threshold",
      (s) => (s.analysis.metrics = [{ name: "request-duration" }]),
      "spec.analysis.metrics[0].thresholdRange",
      /can never fail/,
    ],
    [
      "decreasing stepWeights",
      (s) => (
        (s.analysis.stepWeight = undefined),
        (s.analysis.stepWeights = [10, 5])
      ),
      "spec.analysis.stepWeights[1]",
      /each above the one before/,
    ],
    [
      "match without iterations",
      (s) => (s.analysis.match = [{ headers: { x: { exact: "y" } } }]),
      "spec.analysis.match",
      /needs analysis.iterations/,
    ],
  ])(
    "reports %s with the field and the fix",
    (_label, mutate, path, message) => {
      const spec = seedCanarySpec();
      mutate(spec);
      const result = resolveCanarySpec(spec, ctx);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.issues).toContainEqual({
        path,
        message: expect.stringMatching(message),
      });
    },
  );

  it("refuses what the CRD bounds, for objects stored before it did, naming the field", () => {
    const spec = seedCanarySpec();
    spec.analysis.interval = "25h";
    spec.analysis.metrics = Array.from({ length: 51 }, (_, i) => ({
      name: `m${i}`,
      query: i === 0 ? "x".repeat(16_385) : "up",
      thresholdRange: { min: 1 },
    }));
    spec.analysis.webhooks = [
      { name: "slow", url: "http://127.0.0.1:9/", timeout: "2h" },
      { name: "overflow", url: "http://127.0.0.1:9/", timeout: "1000000h" },
      { name: "long", url: `http://127.0.0.1:9/${"a".repeat(2048)}` },
    ];
    const result = resolveCanarySpec(spec, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        {
          path: "spec.analysis.interval",
          message: "25h is longer than the maximum of 24h; lower it",
        },
        {
          path: "spec.analysis.metrics",
          message: "has 51 entries; at most 50 are allowed",
        },
        {
          path: "spec.analysis.metrics[0].query",
          message: "is longer than 16384 characters",
        },
        {
          path: "spec.analysis.webhooks[0].timeout",
          message: "2h is longer than the 1h a webhook may take; lower it",
        },
        {
          path: "spec.analysis.webhooks[1].timeout",
          message:
            "1000000h is longer than the 1h a webhook may take; lower it",
        },
        {
          path: "spec.analysis.webhooks[2].url",
          message: "is longer than 2048 characters",
        },
      ]),
    );
  });
});
