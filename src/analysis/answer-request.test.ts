import { describe, expect, it } from "vitest";
import { breach, Run } from "../../test/fixtures/decide-run.ts";

/** A run at weight 10 of revision rev2. */
function midRun(): Run {
  const run = new Run().tick();
  run.obs.targetRevision = "rev2";
  run.tick().advance(10_000).tick();
  expect(run.status).toMatchObject({ phase: "Progressing", canaryWeight: 10 });
  return run;
}

describe("requests", () => {
  it("promote mid-run goes straight to promotion, once per id", () => {
    const run = midRun().ask({ id: "r1", action: "promote", by: "ana" });
    expect(["Promoting", "Finalising"]).toContain(run.status.phase);
    expect(run.status.lastRequest).toMatchObject({
      id: "r1",
      action: "promote",
      by: "ana",
      result: "done",
    });
    expect(run.actions[0]).toMatchObject({
      type: "event",
      reason: "RequestDone",
      message: expect.stringContaining("promoted by ana"),
    });
    // The same id again is not carried out again: the run just finishes.
    const recorded = run.status.lastRequest;
    run.advance(10_000).tick().advance(10_000).tick();
    expect(run.status.phase).toBe("Succeeded");
    expect(run.status.lastRequest).toEqual(recorded);
    expect(run.actions).not.toContainEqual(
      expect.objectContaining({ reason: "RequestDone" }),
    );
  });

  it("abort mid-run rolls back at once, naming who and why", () => {
    const run = midRun().ask({
      id: "r2",
      action: "abort",
      by: "ana",
      reason: "error budget",
    });
    expect(run.status.phase).toBe("Failed");
    expect(run.status.canaryWeight).toBe(0);
    expect(run.status.message).toContain("aborted by ana: error budget");
  });

  it("pause holds the weight across intervals until resume, whatever the spec says", () => {
    const run = midRun().ask({ id: "p1", action: "pause", by: "ana" });
    expect(run.status.pausedBy).toBe("ana");
    for (let i = 0; i < 3; i++) run.advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    expect(run.actions).toEqual([]);
    run.ask({ id: "p2", action: "pause", by: "bo" });
    expect(run.status.lastRequest).toMatchObject({
      id: "p2",
      result: "refused",
      message: "already paused by ana",
    });
    run.ask({ id: "p3", action: "resume", by: "ana" });
    expect(run.status.pausedBy).toBeUndefined();
    run.tick();
    expect(run.status.canaryWeight).toBe(20);
  });

  it("retry runs a Failed revision again without an image change", () => {
    const run = midRun();
    run.status = { ...run.status, failedChecks: 4 };
    run.advance(10_000).tick(breach);
    expect(run.status.phase).toBe("Failed");
    run.ask({ id: "t1", action: "retry", by: "ci" });
    expect(run.status).toMatchObject({
      phase: "Progressing",
      lastAppliedSpec: "rev2",
      failedChecks: 0,
    });
  });

  it("refuses what makes no sense in the phase, and unreadable requests, saying why", () => {
    const run = new Run().tick().tick();
    run.ask({ id: "x1", action: "abort", by: "ana" });
    expect(run.status.phase).toBe("Initialized");
    expect(run.status.lastRequest).toMatchObject({
      result: "refused",
      message: "nothing to abort in phase Initialized",
    });
    expect(run.actions).toEqual([
      expect.objectContaining({
        eventType: "Warning",
        reason: "RequestRefused",
      }),
    ]);
    run.ask({ id: "x2", action: "retry", by: "ana" });
    expect(run.status.lastRequest?.message).toMatch(
      /only a Failed or held run/,
    );
    run.ask({ id: "bad", problem: "not JSON" });
    expect(run.status.lastRequest).toMatchObject({
      id: "bad",
      action: "unknown",
      result: "refused",
    });
  });

  it("promote in Waiting confirms the rollout the closed gate holds back", () => {
    const run = new Run({
      webhooks: [
        { name: "gate", type: "confirm-rollout", url: "http://127.0.0.1:1/" },
      ],
    }).tick();
    run.obs.targetRevision = "rev2";
    run.answers.gate = { ok: false, message: "HTTP 403: Forbidden" };
    run.tick();
    expect(run.status.phase).toBe("Waiting");
    run.ask({ id: "w1", action: "promote", by: "ana" });
    expect(run.status).toMatchObject({
      phase: "Progressing",
      lastAppliedSpec: "rev2",
      lastRequest: { result: "done", message: "rollout confirmed by ana" },
    });
  });

  it("pause while idle holds the next release until resume", () => {
    const run = new Run().tick().tick();
    run.ask({ id: "i1", action: "pause", by: "ana" });
    run.obs.targetRevision = "rev2";
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Initialized");
    run.ask({ id: "i2", action: "resume", by: "ana" });
    run.tick();
    expect(run.status.phase).toBe("Progressing");
  });
});
