// The step schedule over generated specs: whatever weights a Canary names, a run is either refused with
// InvalidSpec naming the field, or it steps through exactly its weights and is promoted only after a
// step judged with traffic on the canary (unless skipAnalysis says so).
import { describe, expect, it } from "vitest";
import { resolveCanarySpec } from "../api/resolve.ts";
import { Run } from "../../test/fixtures/decide-run.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";

const stepWeightsChoices: (number[] | undefined)[] = [
  undefined,
  [],
  [0],
  [60, 80],
  [1, 2, 10, 80],
  [10, 10],
  [50, 20],
  [1, 101],
  [0, 50],
  [100],
  [5, 100],
];
const stepWeightChoices = [undefined, -1, 0, 1, 5, 33, 50, 60, 100, 101];
const maxWeightChoices = [undefined, 0, 1, 10, 50, 100, 101];

function resolveWith(
  stepWeight: number | undefined,
  maxWeight: number | undefined,
  stepWeights: number[] | undefined,
) {
  const spec = seedCanarySpec();
  spec.analysis = { ...spec.analysis };
  delete spec.analysis.stepWeight;
  delete spec.analysis.maxWeight;
  if (stepWeight !== undefined) spec.analysis.stepWeight = stepWeight;
  if (maxWeight !== undefined) spec.analysis.maxWeight = maxWeight;
  if (stepWeights !== undefined) spec.analysis.stepWeights = stepWeights;
  return resolveCanarySpec(spec, {
    namespace: "apps",
    knownProviders: ["gloo"],
    defaultProvider: "gloo",
    defaultMetricsServer: "",
    minIntervalMs: 10_000,
  });
}

/** Runs a release with every check passing until it leaves Progressing; the weights each step judged. */
function release(run: Run): { judged: number[]; phase: string | undefined } {
  run.tick().tick(); // Initialized
  run.obs.targetRevision = "rev2";
  run.tick(); // Progressing at weight 0
  const judged: number[] = [];
  for (let i = 0; i < 200 && run.status.phase === "Progressing"; i++) {
    const weight = run.status.canaryWeight ?? 0;
    const steppedAt = run.status.lastStepTime;
    run.advance(10_000).tick();
    // A step was taken when its time moved on or the run ended; it judged the weight it started at.
    if (
      run.status.lastStepTime !== steppedAt ||
      run.status.phase !== "Progressing"
    )
      judged.push(weight);
  }
  return { judged, phase: run.status.phase };
}

describe("step schedule", () => {
  const cases = stepWeightChoices.flatMap((step) =>
    maxWeightChoices.flatMap((max) =>
      stepWeightsChoices.map((steps) => ({ step, max, steps })),
    ),
  );

  it(`refuses or steps through every weight before promoting (${cases.length} schedules)`, () => {
    let refused = 0;
    let promoted = 0;
    for (const { step, max, steps } of cases) {
      const label = JSON.stringify({ step, max, steps });
      const resolved = resolveWith(step, max, steps);
      if (!resolved.ok) {
        refused++;
        expect(
          resolved.issues.every((i) => i.path.startsWith("spec.analysis.")),
          label,
        ).toBe(true);
        continue;
      }
      const weights = resolved.spec.weights;
      expect(weights.length, label).toBeGreaterThan(0);
      expect(
        weights.every(
          (w, i) => w >= 1 && w <= 100 && w > (weights[i - 1] ?? 0),
        ),
        label,
      ).toBe(true);
      // stepWeights are used as given, whatever maxWeight says (as in Flagger).
      if (steps?.length) expect(weights, label).toEqual(steps);
      const run = new Run({ weights: resolved.spec.weights });
      const { judged, phase } = release(run);
      expect(phase, label).toBe("Promoting");
      promoted++;
      // Weight 0 (pre-rollout), then each weight once, in order: the last judged one is above 0.
      expect(judged, label).toEqual([0, ...weights]);
    }
    // Both outcomes occur, so neither branch is vacuous.
    expect(refused).toBeGreaterThan(100);
    expect(promoted).toBeGreaterThan(50);
  });

  it("names the field: stepWeights [60, 80] with maxWeight 50 run as given; maxWeight 0 is refused", () => {
    const given = resolveWith(undefined, 50, [60, 80]);
    expect(given.ok && given.spec.weights).toEqual([60, 80]);
    const zero = resolveWith(5, 0, undefined);
    expect(!zero.ok && zero.issues).toEqual([
      expect.objectContaining({ path: "spec.analysis.maxWeight" }),
    ]);
    const zeros = resolveWith(undefined, undefined, [0, 50]);
    expect(!zeros.ok && zeros.issues).toEqual([
      expect.objectContaining({ path: "spec.analysis.stepWeights[0]" }),
    ]);
  });

  it("the core never promotes a run without a judged step, even when handed an empty schedule", () => {
    const { judged, phase } = release(new Run({ weights: [] }));
    expect(judged).toEqual([0]);
    expect(phase).toBe("Failed");
  });

  it("skipAnalysis promotes without steps, as asked", () => {
    const run = new Run({ weights: [], skipAnalysis: true });
    run.tick().tick();
    run.obs.targetRevision = "rev2";
    run.tick();
    expect(run.status.phase).toBe("Promoting");
  });
});
