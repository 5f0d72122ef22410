import { describe, expect, it } from "vitest";
import { breach, Run } from "../../test/fixtures/decide-run.ts";
import type { Action } from "./types.ts";

const oldTemplate = {
  metadata: { labels: { app: "podinfo-primary" } },
  spec: { containers: [{ name: "podinfo", image: "podinfo:6.0.0" }] },
};
const bake = {
  durationMs: 60_000,
  rollbackWindowMs: 45_000,
  metrics: [
    {
      name: "request-success-rate",
      intervalMs: 60_000,
      min: 99,
      templateVariables: {},
      minRequests: 10,
      dryRun: false,
    },
  ],
};

/** rev1 running; rev2 promoted with a bake of 60 s and a rollback window of 45 s from the promotion. */
function promoted(): { run: Run; promotedAt: number } {
  const run = new Run({ bake, threshold: 1 });
  run.obs.primaryTemplate = oldTemplate;
  run.tick().tick();
  run.obs.targetRevision = "rev2";
  run.tick().advance(10_000).tick().advance(10_000).tick().advance(10_000);
  const promotedAt = run.now.getTime();
  run.tick();
  expect(run.status.phase).toBe("Promoting");
  run.tick().tick();
  expect(run.status.phase).toBe("Succeeded");
  return { run, promotedAt };
}

const of = <T extends Action["type"]>(actions: Action[], type: T) =>
  actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const routes = (run: Run) =>
  of(run.actions, "setRoutes").map((a) => [a.primaryWeight, a.canaryWeight]);

describe("analysis.rollbackWindow: warm previous pods", () => {
  it("runs the replaced release at reduced scale from the promotion until the window ends, then scales it away once", () => {
    const { run, promotedAt } = promoted();
    expect(run.status.previous?.warmUntil).toBe(
      new Date(promotedAt + 45_000).toISOString(),
    );
    expect(of(run.actions, "warmPrevious")).toEqual([
      {
        type: "warmPrevious",
        template: oldTemplate,
        revision: "rev1",
        scale: "reduced",
      },
    ]);
    // Woken at the window's end at the latest.
    expect(run.requeueAfterMs).toBeLessThanOrEqual(
      promotedAt + 45_000 - run.now.getTime(),
    );
    run.advance(45_000).tick();
    expect(run.status.phase).toBe("Succeeded");
    expect(run.types()).toContain("coolPrevious");
    expect(of(run.actions, "warmPrevious")).toEqual([]);
    // The record stays for a revert without warm pods; the window is over.
    expect(run.status.previous).toMatchObject({ revision: "rev1" });
    expect(run.status.previous?.warmUntil).toBeUndefined();
    run.advance(1_000).tick();
    expect(run.types()).not.toContain("coolPrevious");
  });

  it("a revert moves the traffic to the warm pods at once and back once the primary is ready; restart-safe", () => {
    const { run } = promoted();
    run.obs.previousPods = { revision: "rev1", available: 1 };
    run.advance(10_000).tick(breach);
    expect(run.status).toMatchObject({
      phase: "Failed",
      reverted: { to: "rev1", restoring: true },
      previous: { revision: "rev1" },
    });
    expect(run.types().slice(0, 4)).toEqual([
      "warmPrevious",
      "event",
      "ensureServices",
      "setRoutes",
    ]);
    expect(of(run.actions, "warmPrevious")[0]?.scale).toBe("full");
    expect(of(run.actions, "ensureServices")).toEqual([
      { type: "ensureServices", servingPrevious: true },
    ]);
    expect(routes(run)).toEqual([[0, 100]]);
    expect(of(run.actions, "revertPrimary")).toHaveLength(1);
    expect(of(run.actions, "notify")[0]?.message).toMatch(
      /Traffic moved to the previous release's warm pods \(podinfo-previous\)/,
    );

    // The primary rolls the old template out; traffic stays on the warm pods, the same after a restart
    // (the status is all a new operator has), with no second alert or revert.
    run.obs.primary = { ready: false, exists: true, revision: "rev1" };
    const statusBefore = structuredClone(run.status);
    run.advance(1_000).tick();
    expect(routes(run)).toEqual([[0, 100]]);
    expect(run.types()).not.toContain("notify:reverted");
    expect(run.types()).not.toContain("revertPrimary");
    run.status = statusBefore;
    run.advance(1_000).tick();
    expect(routes(run)).toEqual([[0, 100]]);
    expect(run.status.message).toMatch(
      /traffic is on the previous release's warm pods/,
    );

    // Ready: the routes go back first; the Services still select the warm pods in that reconcile.
    run.obs.primary = { ready: true, exists: true, revision: "rev1" };
    run.advance(1_000).tick();
    expect(routes(run)).toEqual([[100, 0]]);
    expect(of(run.actions, "ensureServices")).toEqual([
      { type: "ensureServices", servingPrevious: true },
    ]);
    expect(of(run.actions, "warmPrevious")[0]?.scale).toBe("full");
    expect(run.status.reverted?.restoring).toBe(false);
    // The next: Services back to the primary and the target, the warm pods scaled away, record used up.
    run.advance(1_000).tick();
    expect(run.types()).toEqual([
      "coolPrevious",
      "ensureServices",
      "setRoutes",
    ]);
    expect(
      of(run.actions, "ensureServices")[0]?.servingPrevious,
    ).toBeUndefined();
    expect(run.status.previous).toBeUndefined();
    expect(run.status).toMatchObject({
      phase: "Failed",
      lastPromotedSpec: "rev1",
    });
    run.advance(1_000).tick();
    expect(run.types()).toEqual(["ensureServices", "setRoutes"]);
  });

  it("without ready warm pods the revert goes through the primary's rollout and scales the others away", () => {
    for (const pods of [
      undefined,
      { revision: "rev1", available: 0 },
      { revision: "rev0", available: 2 },
    ]) {
      const { run } = promoted();
      if (pods) run.obs.previousPods = pods;
      else delete run.obs.previousPods;
      run.advance(10_000).tick(breach);
      expect(run.status.reverted).toMatchObject({ to: "rev1" });
      expect(run.status.reverted?.restoring).toBeUndefined();
      expect(routes(run)).toEqual([[100, 0]]);
      expect(run.types()).toContain("coolPrevious");
      expect(run.status.previous).toBeUndefined();
    }
  });

  it("after the window a revert uses the primary's rollout; a new run scales the pods away", () => {
    const late = promoted().run;
    late.obs.previousPods = { revision: "rev1", available: 1 };
    late.advance(46_000).tick(breach);
    expect(late.status.reverted?.restoring).toBeUndefined();
    expect(routes(late)).toEqual([[100, 0]]);

    const next = promoted().run;
    next.obs.targetRevision = "rev3";
    next.advance(1_000).tick();
    expect(next.status.phase).toBe("Progressing");
    expect(next.types()).toContain("coolPrevious");
    expect(next.status.previous?.warmUntil).toBeUndefined();
  });

  it("keeps the replaced release's config copies at the promotion and puts them back with a revert", () => {
    const run = new Run({ bake, threshold: 1 });
    run.obs.primaryTemplate = oldTemplate;
    run.obs.primaryConfigCopies = ["configmap/settings"];
    run.tick().tick();
    run.obs.targetRevision = "rev2";
    run.tick().advance(10_000).tick().advance(10_000).tick().advance(10_000);
    run.tick();
    expect(run.status.phase).toBe("Promoting");
    expect(run.status.previous?.configs).toEqual(["configmap/settings"]);
    const keep = run.actions.findIndex((a) => a.type === "keepPreviousConfigs");
    expect(run.actions[keep]).toEqual({
      type: "keepPreviousConfigs",
      configs: ["configmap/settings"],
    });
    expect(keep).toBeLessThan(
      run.actions.findIndex((a) => a.type === "promote"),
    );
    // A retried copy keeps the record made the first time and does not copy again over it.
    run.tick();
    expect(run.types()).not.toContain("keepPreviousConfigs");
    run.tick();
    expect(run.status.phase).toBe("Succeeded");
    expect(of(run.actions, "warmPrevious")[0]?.configs).toEqual([
      "configmap/settings",
    ]);
    run.advance(10_000).tick(breach);
    expect(of(run.actions, "revertPrimary")[0]).toMatchObject({
      configs: ["configmap/settings"],
      restartedAt: run.now.toISOString(),
    });
  });
});
