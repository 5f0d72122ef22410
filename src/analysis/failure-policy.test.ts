import { describe, expect, it } from "vitest";
import type { CheckResult } from "../api/canary.ts";
import { breach, ready, Run } from "../../test/fixtures/decide-run.ts";
import type { Action } from "./types.ts";

const notices = (actions: Action[]) =>
  actions.flatMap((a) => (a.type === "notify" ? [a] : []));

/** A run at weight 10 of rev2, its first step judged (threshold 1 fails at the next breach). */
function atWeight10(run: Run): Run {
  run.tick();
  run.obs.targetRevision = "rev2";
  run.tick().advance(10_000).tick();
  expect(run.status.canaryWeight).toBe(10);
  return run;
}

const unreachable: CheckResult[] = [
  {
    metric: "request-success-rate",
    verdict: "error",
    threshold: ">= 99",
    message: "connect ECONNREFUSED 127.0.0.1:9",
  },
];

describe("analysis.onFailure: hold", () => {
  it("holds at the weight with one alert, takes no step, and rolls back at the progress deadline", () => {
    const run = atWeight10(new Run({ onFailure: "hold", threshold: 1 }));
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 10,
      failedChecks: 1,
      held: { at: run.now.toISOString() },
    });
    expect(run.status.held?.reason).toMatch(
      /metric request-success-rate 42 outside threshold >= 99/,
    );
    expect(notices(run.actions)).toEqual([
      expect.objectContaining({ kind: "held", severity: "error" }),
    ]);
    expect(run.status.message).toMatch(
      /rolled back at .* \(progress deadline 60s\)/,
    );
    // Held: routes kept at 10 %, no checks asked for, no alert again, woken at the deadline.
    run.advance(30_000).tick(breach);
    expect(run.actions).toEqual([
      { type: "setRoutes", primaryWeight: 90, canaryWeight: 10 },
    ]);
    expect(run.requeueAfterMs).toBe(30_000);
    run.advance(30_000).tick();
    expect(run.status.phase).toBe("Failed");
    expect(run.status.held).toBeUndefined();
    expect(notices(run.actions)[0]).toMatchObject({
      kind: "rollback",
      reason: expect.stringMatching(
        /no promote, abort or retry: progress deadline of 60s exceeded; the analysis had failed: analysis failed 1 times/,
      ),
    });
  });

  it("promote, abort and retry each answer a held run, once", () => {
    const held = () => {
      const run = atWeight10(new Run({ onFailure: "hold", threshold: 1 }));
      return run.advance(10_000).tick(breach);
    };
    const promoted = held().ask({ id: "a", action: "promote", by: "ana" });
    expect(promoted.status.phase).toBe("Promoting");
    expect(promoted.status.held).toBeUndefined();
    expect(promoted.status.lastRequest).toMatchObject({ result: "done" });

    const aborted = held().ask({ id: "b", action: "abort", by: "ana" });
    expect(aborted.status.phase).toBe("Failed");
    expect(aborted.status.held).toBeUndefined();
    expect(notices(aborted.actions)[0]).toMatchObject({ kind: "rollback" });

    const retried = held().ask({ id: "c", action: "retry", by: "ana" });
    expect(retried.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 0,
      failedChecks: 0,
      lastRequest: { result: "done" },
    });
    expect(retried.status.held).toBeUndefined();
    // The analysis runs again and, passing, goes on.
    retried.advance(10_000).tick();
    expect(retried.status.canaryWeight).toBe(10);
  });

  it("a new revision replaces a held run", () => {
    const run = atWeight10(new Run({ onFailure: "hold", threshold: 1 }));
    run.advance(10_000).tick(breach);
    run.obs.targetRevision = "rev3";
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      lastAppliedSpec: "rev3",
      canaryWeight: 0,
    });
    expect(run.status.held).toBeUndefined();
  });

  it("rollback stays the default", () => {
    const run = atWeight10(new Run({ threshold: 1 }));
    run.advance(10_000).tick(breach);
    expect(run.status.phase).toBe("Failed");
    expect(run.status.held).toBeUndefined();
  });
});

describe("a promotion whose primary never becomes ready", () => {
  function promotingStuck(): Run {
    const run = atWeight10(new Run());
    run.advance(10_000).tick(); // weight 20, the last step
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
    run.obs.primary = {
      ...run.obs.primary,
      ready: false,
      message: "0 of 1 updated replicas are available",
    };
    return run;
  }

  it("fails after the progress deadline with one alert; the canary keeps serving at its weight", () => {
    const run = promotingStuck();
    run.advance(30_000).tick();
    expect(run.status.phase).toBe("Promoting");
    expect(notices(run.actions)).toEqual([]);
    run.advance(31_000).tick();
    expect(run.status).toMatchObject({
      phase: "Failed",
      canaryWeight: 20,
      promotionFailed: {
        reason: expect.stringMatching(
          /primary podinfo-primary did not become ready .*0 of 1 updated replicas are available; progress deadline of 60s exceeded/,
        ),
      },
    });
    expect(run.types()).toEqual([
      "setRoutes",
      "event",
      "notify:promotionFailed",
    ]);
    expect(run.actions[0]).toEqual({
      type: "setRoutes",
      primaryWeight: 80,
      canaryWeight: 20,
    });
    // Not a rollback: the canary is never scaled down; later reconciles keep the split and say nothing.
    expect(run.types()).not.toContain("scaleTarget");
    run.advance(10_000).tick();
    expect(run.actions).toEqual([
      { type: "ensureServices" },
      { type: "setRoutes", primaryWeight: 80, canaryWeight: 20 },
    ]);
  });

  it("finishes by itself when the primary becomes ready later", () => {
    const run = promotingStuck();
    run.advance(61_000).tick();
    expect(run.status.phase).toBe("Failed");
    run.obs.primary = { ...ready, revision: "rev2" };
    run.tick();
    expect(run.status.phase).toBe("Finalising");
    expect(run.status.promotionFailed).toBeUndefined();
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      lastPromotedSpec: "rev2",
    });
  });

  it("retry copies again with a fresh deadline; a new revision starts a normal run", () => {
    const run = promotingStuck();
    run.advance(61_000).tick();
    run.ask({ id: "r", action: "retry", by: "ana" });
    expect(run.status.phase).toBe("Promoting");
    expect(run.status.promotionFailed).toBeUndefined();
    expect(run.types()).toContain("promote");
    run.advance(30_000).tick();
    expect(run.status.phase).toBe("Promoting");
    run.obs.targetRevision = "rev3";
    run.advance(31_000).tick(); // past the deadline again
    expect(run.status.phase).toBe("Failed");
    run.tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      lastAppliedSpec: "rev3",
    });
    expect(run.status.promotionFailed).toBeUndefined();
  });
});

describe("a provider that does not answer", () => {
  it("alerts once when it goes silent, not again while it stays so, and again after it came back", () => {
    const run = atWeight10(new Run({ threshold: 10 }));
    run.advance(10_000).tick(unreachable);
    const first = notices(run.actions);
    expect(first).toEqual([
      expect.objectContaining({
        kind: "providerError",
        reason: "metric request-success-rate: connect ECONNREFUSED 127.0.0.1:9",
      }),
    ]);
    run.advance(10_000).tick(unreachable);
    expect(notices(run.actions)).toEqual([]);
    run.advance(10_000).tick();
    run.advance(10_000).tick(unreachable);
    expect(notices(run.actions).map((n) => n.kind)).toEqual(["providerError"]);
  });

  it("a halt from a failing metric still alerts as a halt", () => {
    const run = atWeight10(new Run({ threshold: 10 }));
    run.advance(10_000).tick(breach);
    expect(notices(run.actions).map((n) => n.kind)).toEqual(["halted"]);
  });
});
