import { describe, expect, it } from "vitest";
import { breach, pass, Run } from "../../test/fixtures/decide-run.ts";
import type { Action } from "./types.ts";

const oldTemplate = {
  metadata: { labels: { app: "podinfo-primary" } },
  spec: { containers: [{ name: "podinfo", image: "podinfo:6.0.0" }] },
};
const bake = (metrics = ["request-success-rate"]) => ({
  durationMs: 60_000,
  metrics: [
    {
      name: "request-success-rate",
      intervalMs: 60_000,
      min: 99,
      templateVariables: {},
      minRequests: 10,
      dryRun: false,
    },
  ].filter((m) => metrics.includes(m.name)),
});

/** rev1 initialized and running rev1's template; rev2 promoted (weights 10, 20) with a bake of 60 s. */
function promoted(threshold = 2): Run {
  const run = new Run({ bake: bake(), threshold });
  run.obs.primaryTemplate = oldTemplate;
  run.tick().tick();
  run.obs.targetRevision = "rev2";
  run
    .tick()
    .advance(10_000)
    .tick()
    .advance(10_000)
    .tick()
    .advance(10_000)
    .tick();
  expect(run.status.phase).toBe("Promoting");
  run.tick().tick();
  expect(run.status.phase).toBe("Succeeded");
  return run;
}

const notices = (actions: Action[]) =>
  actions.flatMap((a) => (a.type === "notify" ? [a] : []));

describe("analysis.bake", () => {
  it("records the previous release at the promotion and opens the window at its end", () => {
    const run = promoted();
    expect(run.status.previous).toEqual({
      revision: "rev1",
      template: oldTemplate,
      at: expect.any(String),
    });
    expect(run.status.bake).toEqual({
      until: new Date(run.now.getTime() + 60_000).toISOString(),
      failedChecks: 0,
    });
    expect(run.status.message).toMatch(/baking until/);
  });

  it("reverts after threshold failed checks of the primary, once, saying what and why", () => {
    const run = promoted();
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      bake: { failedChecks: 1 },
    });
    expect(notices(run.actions)).toEqual([]);
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Failed",
      lastAppliedSpec: "rev2",
      lastPromotedSpec: "rev1",
      reverted: { from: "rev2", to: "rev1" },
    });
    expect(run.status.previous).toBeUndefined();
    expect(run.actions[0]).toMatchObject({
      type: "event",
      eventType: "Warning",
      reason: "MetricCheckFailed",
      message: expect.stringMatching(
        /^bake of the primary: metric request-success-rate 42/,
      ),
    });
    expect(run.actions.find((a) => a.type === "revertPrimary")).toEqual({
      type: "revertPrimary",
      template: oldTemplate,
      revision: "rev1",
    });
    const [alert] = notices(run.actions);
    expect(alert).toMatchObject({ kind: "reverted", severity: "error" });
    expect(alert?.message).toMatch(
      /no longer matches what runs: revert the commit or push a fix/,
    );
    // Reverted: no check, no revert, no alert again while the target keeps the reverted revision.
    run.advance(10_000).tick(breach);
    expect(run.types()).toEqual(["ensureServices", "setRoutes"]);
  });

  it("judges only when a check is due, and passes at the end of the window", () => {
    const run = promoted();
    run.advance(3_000).tick(breach);
    expect(run.status.bake?.failedChecks).toBe(0); // not due: the checks handed in are not asked for
    run.advance(7_000).tick(breach);
    expect(run.status.bake?.failedChecks).toBe(1);
    for (let i = 0; i < 5; i++) run.advance(10_000).tick(pass);
    expect(run.status.bake).toMatchObject({ passed: true, failedChecks: 1 });
    expect(run.status.message).toMatch(/Bake of podinfo.apps passed/);
    run.advance(10_000).tick(breach);
    expect(run.status.phase).toBe("Succeeded");
  });

  it("a new revision ends the bake and starts a normal run", () => {
    const run = promoted();
    run.obs.targetRevision = "rev3";
    run.tick();
    expect(run.status.phase).toBe("Progressing");
    expect(run.status.bake).toBeUndefined();
  });

  it("after a revert, the target back at the running release is Succeeded without a run", () => {
    const run = promoted(1);
    run.advance(10_000).tick(breach);
    expect(run.status.phase).toBe("Failed");
    run.obs.targetRevision = "rev1";
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      lastAppliedSpec: "rev1",
      lastPromotedSpec: "rev1",
    });
    expect(run.status.reverted).toBeUndefined();
    expect(run.types()).not.toContain("scaleTarget");
  });
});

describe("undo", () => {
  it("reverts within the window, exactly once, recording who asked", () => {
    const run = promoted();
    run.ask({ id: "u1", action: "undo", by: "ana" });
    expect(run.status).toMatchObject({
      phase: "Failed",
      reverted: { by: "ana", reason: "undo requested by ana" },
      lastRequest: { id: "u1", result: "done" },
    });
    expect(run.types()).toContain("revertPrimary");
    // The same request again (a repeated reconcile) is not carried out twice.
    run.tick();
    expect(run.types()).not.toContain("revertPrimary");
    const again = run.ask({ id: "u2", action: "undo", by: "ana" });
    expect(again.status.lastRequest).toMatchObject({
      result: "refused",
      message: expect.stringMatching(/nothing to undo in phase Failed/),
    });
  });

  it("is refused outside the window, and without a bake, saying why", () => {
    const late = promoted();
    late.advance(61_000).ask({ id: "u", action: "undo", by: "ana" });
    expect(late.status.lastRequest?.message).toMatch(
      /the window for undo ended at/,
    );
    expect(late.types()).not.toContain("revertPrimary");

    const run = new Run();
    run.obs.primaryTemplate = oldTemplate;
    run.tick().tick();
    run.obs.targetRevision = "rev2";
    run
      .tick()
      .advance(10_000)
      .tick()
      .advance(10_000)
      .tick()
      .advance(10_000)
      .tick();
    run.tick().tick();
    expect(run.status.phase).toBe("Succeeded");
    run.ask({ id: "u", action: "undo", by: "ana" });
    expect(run.status.lastRequest?.message).toMatch(
      /undo works within analysis.bake's window/,
    );
  });
});
