import { describe, expect, it } from "vitest";
import type { CanaryWebhook } from "../api/canary.ts";
import { Run } from "../../test/fixtures/decide-run.ts";

const hook = (name: string, type: CanaryWebhook["type"]): CanaryWebhook => ({
  name,
  type,
  url: "http://127.0.0.1:1/",
});
const closed = { ok: false, message: "HTTP 403: Forbidden" };

/** A run with these hooks, initialized, and a new revision pushed. */
function started(webhooks: CanaryWebhook[]): Run {
  const run = new Run({ webhooks }).tick();
  run.obs.targetRevision = "rev2";
  return run;
}

describe("webhooks in the decision core", () => {
  it("confirm-rollout closed keeps the run in Waiting (one alert), opened starts it", () => {
    const run = started([hook("gate", "confirm-rollout")]);
    run.answers.gate = closed;
    run.tick();
    expect(run.called).toEqual(["confirm-rollout"]);
    expect(run.status.phase).toBe("Waiting");
    expect(run.status.message).toContain(
      "webhook gate (confirm-rollout) failed: HTTP 403: Forbidden",
    );
    expect(run.types()).toEqual(["setRoutes", "event", "notify:waiting"]);
    expect(run.status.lastAppliedSpec).toBe("rev1");
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Waiting");
    expect(run.types()).toEqual(["setRoutes"]); // no repeated alert while still waiting
    run.answers.gate = { ok: true, message: "HTTP 200" };
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      lastAppliedSpec: "rev2",
    });
  });

  it("asks a closed gate once per interval, and leaves Waiting when the target goes back", () => {
    const run = started([hook("gate", "confirm-rollout")]);
    run.answers.gate = closed;
    run.tick();
    run.advance(4_000).tick(); // woken early by some event: the gate is not asked again yet
    expect(run.called).toEqual([]);
    expect(run.status.phase).toBe("Waiting");
    run.obs.targetRevision = "rev1"; // someone reverted the image
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "Succeeded",
      lastAppliedSpec: "rev1",
    });
    expect(run.status.message).toContain("back at the applied revision");
  });

  it("muteAlert on the gate keeps the event but sends no alert", () => {
    const run = started([
      { ...hook("gate", "confirm-rollout"), muteAlert: true },
    ]);
    run.answers.gate = closed;
    run.tick();
    expect(run.types()).toEqual(["setRoutes", "event"]);
  });

  it("a failing pre-rollout hook counts as a failed check at weight 0 and rolls back at the threshold", () => {
    const run = new Run({
      webhooks: [hook("acceptance", "pre-rollout")],
      threshold: 2,
    }).tick();
    run.obs.targetRevision = "rev2";
    run.answers.acceptance = { ok: false, message: "HTTP 400: exit status 1" };
    run.tick().advance(10_000).tick();
    expect(run.called).toEqual(["pre-rollout"]);
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 0,
      failedChecks: 1,
    });
    expect(run.status.message).toContain(
      "acceptance (pre-rollout) failed: HTTP 400: exit status 1",
    );
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Failed");
    expect(run.status.message).toContain("acceptance (pre-rollout)");
  });

  it("pre-rollout runs only until it passes; rollout hooks run on every step with traffic", () => {
    const run = started([
      hook("acceptance", "pre-rollout"),
      hook("load", "rollout"),
    ]);
    run.tick().advance(10_000).tick();
    expect(run.called).toEqual(["pre-rollout"]);
    expect(run.status.canaryWeight).toBe(10);
    run.advance(10_000).tick();
    expect(run.called).toEqual(["rollout"]);
    run.answers.load = { ok: false, message: "no answer within 10s" };
    run.advance(10_000).tick();
    expect(run.status.failedChecks).toBe(1);
    expect(run.types()).toContain("notify:halted");
    run.advance(10_000).tick();
    expect(run.status.failedChecks).toBe(2);
    expect(run.types()).not.toContain("notify:halted"); // one alert per run, then events only
  });

  it("confirm-traffic-increase closed holds the weight without counting a failure", () => {
    const run = started([hook("more", "confirm-traffic-increase")]);
    run.answers.more = closed;
    run.tick().advance(10_000).tick();
    expect(run.status).toMatchObject({ canaryWeight: 0, failedChecks: 0 });
    expect(run.status.message).toContain("Waiting for approval to increase");
    delete run.answers.more;
    run.advance(10_000).tick();
    expect(run.status.canaryWeight).toBe(10);
  });

  it("confirm-promotion closed -> WaitingPromotion with checks going on; opened -> Promoting", () => {
    const run = started([hook("promote", "confirm-promotion")]);
    run.answers.promote = closed;
    run.tick();
    for (let i = 0; i < 3; i++) run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "WaitingPromotion",
      canaryWeight: 20,
    });
    expect(run.types()).toContain("notify:waiting");
    run.advance(10_000).tick();
    expect(run.called).toEqual(["confirm-promotion"]);
    expect(run.status.phase).toBe("WaitingPromotion");
    expect(run.types()).not.toContain("notify:waiting");
    delete run.answers.promote;
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
  });

  it("a rollback hook answering 2xx rolls back from Progressing and WaitingPromotion", () => {
    for (const gate of [false, true]) {
      const run = started([
        hook("rollback-gate", "rollback"),
        ...(gate ? [hook("promote", "confirm-promotion")] : []),
      ]);
      run.answers["rollback-gate"] = closed;
      run.answers.promote = closed;
      run.tick();
      for (let i = 0; i < (gate ? 3 : 1); i++) run.advance(10_000).tick();
      expect(run.status.phase).toBe(gate ? "WaitingPromotion" : "Progressing");
      run.answers["rollback-gate"] = { ok: true, message: "HTTP 200: open" };
      run.advance(10_000).tick();
      expect(run.status.phase).toBe("Failed");
      expect(run.status.message).toContain(
        "manual rollback requested by webhook rollback-gate",
      );
    }
  });

  it("post-rollout hooks run after success and after rollback", () => {
    const run = started([hook("after", "post-rollout")]);
    run.tick();
    for (let i = 0; i < 6 && run.status.phase !== "Succeeded"; i++)
      run.advance(10_000).tick();
    expect(run.status.phase).toBe("Succeeded");
    expect(run.actions).toContainEqual({
      type: "runHooks",
      hookType: "post-rollout",
    });
  });

  it("blue/green asks confirm-promotion before switching all traffic to the canary", () => {
    const run = new Run({
      strategy: "blueGreen",
      iterations: 1,
      webhooks: [hook("promote", "confirm-promotion")],
    }).tick();
    run.obs.targetRevision = "rev2";
    run.answers.promote = closed;
    run.tick().advance(10_000).tick();
    expect(run.status).toMatchObject({ phase: "Progressing", iterations: 1 });
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "WaitingPromotion",
      canaryWeight: 0,
    });
    delete run.answers.promote;
    run.advance(10_000).tick();
    expect(run.status).toMatchObject({
      phase: "Progressing",
      canaryWeight: 100,
    });
    run.advance(10_000).tick();
    expect(run.status.phase).toBe("Promoting");
  });
});
