import { describe, expect, it } from "vitest";
import { breach, ready, Run } from "../../test/fixtures/decide-run.ts";

describe("decide: weighted canary", () => {
  it("keeps correcting drift at the current weights between steps and while idle", () => {
    const run = new Run().tick();
    run.tick();
    expect(run.actions).toEqual([
      { type: "ensureServices" },
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    ]);
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick();
    run.advance(4_000).tick();
    expect(run.actions).toEqual([
      { type: "setRoutes", primaryWeight: 90, canaryWeight: 10 },
    ]);
    expect(run.status.canaryWeight).toBe(10);
  });

  it("keeps the cadence: a step that started late counts from when it fell due, unless an interval late", () => {
    const run = new Run().tick().tick();
    run.obs.targetRevision = "rev2";
    run.tick();
    const stepAt = () => Date.parse(run.status.lastStepTime ?? "");
    const weight = () => run.status.canaryWeight ?? 0;
    const started = stepAt();
    run.advance(13_000).tick(); // 3 s late (queued behind a fleet's other steps)
    const first = weight();
    expect(first).toBeGreaterThan(0);
    expect(stepAt()).toBe(started + 10_000);
    expect(run.requeueAfterMs).toBe(7_000); // woken when the next step is due, not 10 s from now
    run.advance(7_000).tick(); // so the next one falls due on the original cadence
    expect(weight()).toBeGreaterThan(first);
    expect(stepAt()).toBe(started + 20_000);
    run.advance(25_000).tick(); // 15 s late: the cadence restarts instead of catching up
    expect(run.status.phase).toBe("Promoting");
    expect(stepAt()).toBe(started + 45_000);
  });

  it("an idle Canary whose router objects are watched sets no timer; otherwise it re-asserts each interval", () => {
    const run = new Run().tick().tick();
    expect(run.status.phase).toBe("Initialized");
    run.obs.routerWatched = true;
    const watched = run.tick();
    expect(watched.actions).toEqual([
      { type: "ensureServices" },
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    ]);
    expect(watched.requeueAfterMs).toBeUndefined();
    run.obs.routerWatched = false;
    expect(run.tick().requeueAfterMs).toBe(10_000);
  });

  it("initializes once the primary is ready", () => {
    const run = new Run();
    run.obs.primary = {
      ready: false,
      exists: false,
      message: "0 of 2 updated replicas are available",
    };
    run.tick();
    expect(run.status.phase).toBe("Initializing");
    expect(run.types()).toEqual(["ensurePrimary"]);
    run.obs.primary = ready;
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Initialized",
      lastAppliedSpec: "rev1",
      lastPromotedSpec: "rev1",
      canaryWeight: 0,
    });
    expect(run.types()).toEqual([
      "ensurePrimary",
      "scaleTarget",
      "setRoutes",
      "event",
      "notify:initialized",
    ]);
    expect(run.status.conditions?.[0]).toMatchObject({
      type: "Promoted",
      status: "True",
      reason: "Initialized",
    });
  });

  it("steps the weight once per interval, then promotes and finalises", () => {
    const run = new Run().tick();
    run.obs.targetRevision = "rev2";
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 0,
      lastAppliedSpec: "rev2",
    });
    expect(run.types()).toContain("notify:newRevision");
    run.tick(); // not due yet: only the current weights are re-asserted
    expect(run.actions).toEqual([
      { type: "setRoutes", primaryWeight: 100, canaryWeight: 0 },
    ]);
    run.advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    run.advance(5_000).tick(); // half an interval: no step
    expect(run.status.canaryWeight).toBe(10);
    run.advance(5_000).tick();
    expect(run.status.canaryWeight).toBe(20);
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
    expect(run.types()).toContain("promote");
    // A cache still showing the old primary (ready, previous revision) must not end the promotion.
    run.obs.primary = { ...ready, revision: "rev1" };
    run.tick();
    expect(run.status.phase).toBe("Promoting");
    run.obs.primary = { ready: false, exists: true, revision: "rev2" };
    run.tick();
    expect(run.status.phase).toBe("Promoting");
    run.obs.primary = { ...ready, revision: "rev2" };
    run.tick().tick();
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      canaryWeight: 0,
      lastPromotedSpec: "rev2",
    });
    expect(run.types()).toEqual([
      "setRoutes",
      "scaleTarget",
      "event",
      "notify:promoted",
    ]);
    expect(run.weights).toEqual([0, 0, 0, 10, 10, 20, 0, 0]);
  });

  it("counts failed checks and rolls back at the threshold, naming metric, value and threshold", () => {
    const run = new Run().tick();
    run.spec.threshold = 2;
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick(); // weight 10
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Progressing",
      failedChecks: 1,
      canaryWeight: 10,
    });
    expect(run.status.lastChecks).toEqual(breach);
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Failed",
      failedChecks: 2,
      canaryWeight: 0,
      lastAppliedSpec: "rev2",
    });
    const notify = run.actions.find((a) => a.type === "notify");
    expect(notify).toMatchObject({
      kind: "rollback",
      reason: expect.stringContaining(
        "metric request-success-rate 42 outside threshold >= 99",
      ),
    });
    expect(run.status.conditions?.[0]).toMatchObject({
      status: "False",
      reason: "Failed",
    });
    // The failed revision does not re-trigger; a newer one does.
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Failed");
    run.obs.targetRevision = "rev3";
    expect(run.tick().status.phase).toBe("Progressing");
  });

  it("restarts from weight 0 when the target changes mid-analysis", () => {
    const run = new Run().tick();
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    run.obs.targetRevision = "rev3";
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 0,
      lastAppliedSpec: "rev3",
      failedChecks: 0,
    });
    expect(run.actions[0]).toEqual({
      type: "setRoutes",
      primaryWeight: 100,
      canaryWeight: 0,
    });
  });

  it("rolls back when the canary is not ready past the progress deadline", () => {
    const run = new Run().tick();
    run.obs.targetRevision = "rev2";
    run.obs.canary = {
      ready: false,
      message: "0 of 1 updated replicas are available",
    };
    run.tick().advance(30_000).tick();
    expect(run.status.phase).toBe("Progressing");
    expect(run.status.message).toMatch(
      /Waiting for the canary Deployment: 0 of 1/,
    );
    run.advance(31_000).tick();
    expect(run.status.phase).toBe("Failed");
    expect(run.status.message).toMatch(
      /canary Deployment 0 of 1 updated replicas are available; progress deadline of 60s exceeded/,
    );
  });

  it("resumes after a restart at the recorded step without repeating or skipping it", () => {
    const run = new Run().tick();
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick();
    const saved = structuredClone(run.status); // what the API server holds when the operator dies
    const resumed = new Run();
    resumed.status = saved;
    resumed.obs = run.obs;
    resumed.now = new Date(run.now.getTime() + 3_000); // restarted 3 s later
    resumed.tick();
    // The next step is not due yet: the recorded weight is kept, not reset or advanced.
    expect(resumed.actions).toEqual([
      { type: "setRoutes", primaryWeight: 90, canaryWeight: 10 },
    ]);
    resumed.advance(7_000).tick();
    expect(resumed.status.canaryWeight).toBe(20);
  });

  it("does not judge a step whose weight the router never carried: routes first, then a full interval", () => {
    const run = new Run().tick();
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    // Killed after the status write of weight 10, before the routes write; back 15 s later.
    run.obs.routedCanaryWeight = 0;
    run.advance(15_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    expect(run.actions).toEqual([
      { type: "setRoutes", primaryWeight: 90, canaryWeight: 10 },
      expect.objectContaining({
        eventType: "Warning",
        message: expect.stringMatching(
          /step at weight 10: the router sent 0% to the canary/,
        ),
      }),
    ]);
    expect(run.status.lastStepTime).toBe(run.now.toISOString());
    expect(run.requeueAfterMs).toBe(10_000);
    run.obs.routedCanaryWeight = 10; // the routes write landed
    run.advance(9_000).tick();
    expect(run.status.canaryWeight).toBe(10);
    run.advance(1_000).tick();
    expect(run.status.canaryWeight).toBe(20);
  });
});
