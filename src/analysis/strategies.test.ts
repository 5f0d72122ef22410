import { describe, expect, it } from "vitest";
import { breach, Run } from "../../test/fixtures/decide-run.ts";

/** Initialized, then a new revision detected: the start of every scenario below. */
function started(run: Run): Run {
  run.tick();
  run.obs.targetRevision = "rev2";
  return run.tick();
}

describe("decide: blue/green", () => {
  it("checks `iterations` times with no traffic split, switches all traffic, then promotes", () => {
    const run = started(
      new Run({ strategy: "blueGreen", iterations: 2, weights: [] }),
    );
    expect(run.status.phase).toBe("Progressing");
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({ iterations: 1, canaryWeight: 0 });
    expect(run.status.lastChecks).toHaveLength(1); // checked at weight 0: the canary gets test traffic
    run.advance(10_000).tick();
    expect(run.status.iterations).toBe(2);
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 100,
    });
    expect(run.actions).toContainEqual({
      type: "setRoutes",
      primaryWeight: 0,
      canaryWeight: 100,
    });
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
    run.tick().tick();
    expect(run.status.phase).toBe("Succeeded");
    expect(run.weights).toEqual([0, 0, 0, 0, 100, 0, 0]);
  });

  it("rolls back on failed checks like a canary", () => {
    const run = started(
      new Run({
        strategy: "blueGreen",
        iterations: 5,
        weights: [],
        threshold: 1,
      }),
    );
    run.advance(10_000).tick(breach);
    expect(run.status.phase).toBe("Failed");
  });
});

describe("decide: A/B testing", () => {
  it("routes matching requests to the canary for `iterations` checks, then promotes", () => {
    const run = started(
      new Run({ strategy: "abTesting", iterations: 2, weights: [] }),
    );
    run.advance(10_000).tick();
    expect(run.actions).toContainEqual({
      type: "setRoutes",
      primaryWeight: 0,
      canaryWeight: 100,
      abTest: true,
    });
    run.advance(3_000).tick(); // between steps the A/B routes are kept
    expect(run.actions).toEqual([
      { type: "setRoutes", primaryWeight: 0, canaryWeight: 100, abTest: true },
    ]);
    run.advance(7_000).tick();
    expect(run.status.iterations).toBe(2);
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
    run.tick();
    expect(run.status.phase).toBe("Finalising");
    expect(run.actions[0]).toEqual({
      type: "setRoutes",
      primaryWeight: 100,
      canaryWeight: 0,
    });
  });
});

describe("decide: stepWeightPromotion", () => {
  it("shifts traffic back to the primary step by step after the copy", () => {
    const run = started(
      new Run({ weights: [20, 40], stepWeightPromotion: 15 }),
    );
    run.advance(10_000).tick().advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(40);
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
    for (let i = 0; i < 3; i++) run.advance(10_000).tick();
    expect(run.status.phase).toBe("Finalising");
    expect(run.weights).toEqual([0, 0, 20, 40, 25, 10, 0]);
  });
});

describe("decide: suspend and skipAnalysis", () => {
  it("freezes a run while suspended and continues where it was", () => {
    const run = started(new Run());
    run.advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    run.spec.suspend = true;
    run.advance(60_000).tick();
    expect(run.actions).toEqual([]);
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 10,
    });
    expect(run.status.message).toMatch(/suspended/);
    run.spec.suspend = false;
    run.tick();
    expect(run.status.canaryWeight).toBe(20);
  });

  it("promotes a new revision without checks when skipAnalysis is set", () => {
    const run = new Run({ skipAnalysis: true }).tick();
    run.obs.targetRevision = "rev2";
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Promoting",
      lastAppliedSpec: "rev2",
    });
    expect(run.types()).toEqual([
      "setRoutes",
      "event",
      "notify:skipped",
      "promote",
      "event",
    ]);
    run.tick().tick();
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      lastPromotedSpec: "rev2",
    });
  });
});

describe("decide: deletion with revertOnDeletion", () => {
  it("reverts and reports Terminating", () => {
    const run = started(new Run({ revertOnDeletion: true }));
    run.deleting = true;
    run.tick();
    expect(run.status.phase).toBe("Terminating");
    expect(run.types()).toEqual(["revert", "event", "notify:terminated"]);
  });
});
