import { describe, expect, it } from "vitest";
import { breach, pass, Run, spec } from "../../test/fixtures/decide-run.ts";
import { replay } from "./replay.ts";

/** A recorded run: the core itself driven through a release, its status.history kept. */
function recorded(checksPerStep: (typeof pass)[], threshold = 2) {
  const run = new Run({ threshold }).tick();
  run.obs.targetRevision = "rev2";
  run.tick();
  for (const checks of checksPerStep) {
    run.advance(10_000).tick(checks);
    if (run.status.phase !== "Progressing") break;
  }
  while (["Promoting", "Finalising"].includes(run.status.phase ?? ""))
    run.advance(10_000).tick();
  const history = run.status.history?.runs.at(-1);
  if (!history) throw new Error("no history recorded");
  return { run, history };
}

describe("replay", () => {
  it("reproduces a promoted run and a rolled-back run, step by step", () => {
    const good = recorded([pass, pass, pass, pass]);
    expect(good.run.status.phase).toBe("Succeeded");
    const again = replay(good.run.spec, good.history);
    expect(again.outcome).toBe("promoted");
    expect(again.divergedAt).toBeUndefined();
    expect(again.steps.map((s) => s.weight)).toEqual(good.history.w);

    const bad = recorded([pass, breach, breach, breach]);
    expect(bad.run.status.phase).toBe("Failed");
    const replayed = replay(bad.run.spec, bad.history);
    expect(replayed.outcome).toBe("failed");
    expect(replayed.divergedAt).toBeUndefined();
    expect(replayed.steps.map((s) => s.failed)).toEqual([false, true, true]);
    expect(replayed.message).toMatch(
      /request-success-rate 42 outside threshold >= 99/,
    );
  });

  it("a looser threshold promotes the rolled-back run, saying where it diverges", () => {
    const bad = recorded([pass, breach, breach, breach]);
    const looser = {
      ...bad.run.spec,
      metrics: bad.run.spec.metrics.map((m) =>
        m.name === "request-success-rate" ? { ...m, min: 40 } : m,
      ),
    };
    const result = replay(looser, bad.history);
    expect(result.outcome).toBe("promoted");
    // Step 1 (at weight 10) failed in the recording and passes now.
    expect(result.divergedAt).toBe(1);
    expect(result.steps[1]).toMatchObject({
      recordedFailed: true,
      failed: false,
    });
    // The recording held 3 steps; the rest reuse the last one, marked.
    expect(result.steps.some((s) => s.reused)).toBe(false);
  });

  it("a stricter threshold rolls back a promoted run; more steps than recorded reuse the last one", () => {
    const good = recorded([pass, pass, pass, pass]);
    const strict = replay({ ...good.run.spec, threshold: 1 }, good.history);
    expect(strict.outcome).toBe("promoted");
    const stricter = replay(
      {
        ...good.run.spec,
        metrics: good.run.spec.metrics.map((m) => ({ ...m, min: 100.5 })),
      },
      good.history,
    );
    expect(stricter.outcome).toBe("failed");
    const longer = replay(
      { ...good.run.spec, weights: [5, 10, 15, 20, 25, 30] },
      good.history,
    );
    expect(longer.outcome).toBe("promoted");
    expect(longer.steps.filter((s) => s.reused).length).toBeGreaterThan(0);
  });
});

describe("replay of a bake", () => {
  /** rev2 promoted, then its bake judged on `bakeChecks` (the recorded primary's values). */
  function baked(bakeChecks: (typeof pass)[]) {
    const base = spec();
    const run = new Run({
      threshold: 2,
      bake: {
        durationMs: 120_000,
        metrics: base.metrics.filter(
          (m) => m.min !== undefined || m.max !== undefined,
        ),
      },
    });
    run.obs.primaryTemplate = { spec: { containers: [] } };
    run.tick().tick();
    run.obs.targetRevision = "rev2";
    run.tick();
    while (run.status.phase === "Progressing") run.advance(10_000).tick(pass);
    while (["Promoting", "Finalising"].includes(run.status.phase ?? ""))
      run.tick();
    expect(run.status.phase).toBe("Succeeded");
    for (const checks of bakeChecks) {
      run.advance(10_000).tick(checks);
      if (run.status.phase !== "Succeeded") break;
    }
    const history = run.status.history?.runs.at(-1);
    if (!history) throw new Error("no history recorded");
    return { run, history };
  }

  it("reproduces a revert decided by the bake, its steps marked", () => {
    const { run, history } = baked([pass, breach, breach]);
    expect(run.status.reverted).toBeDefined();
    expect(history.outcome).toBe("reverted");
    // The run's own steps, then the 3 bake checks of the primary.
    expect(history.bakeFrom).toBe(history.t.length - 3);
    const again = replay(run.spec, history);
    expect(again.outcome).toBe("reverted");
    expect(again.divergedAt).toBeUndefined();
    const bakeSteps = again.steps.filter((s) => s.bake);
    expect(bakeSteps.map((s) => s.failed)).toEqual([false, true, true]);
    expect(again.message).toMatch(/Reverted .* to the previous release/);
  });

  it("a looser bake threshold keeps the release, saying where it diverges", () => {
    const { run, history } = baked([pass, breach, breach]);
    const looser = {
      ...run.spec,
      bake: {
        ...run.spec.bake!,
        metrics: run.spec.bake!.metrics.map((m) => ({ ...m, min: 40 })),
      },
    };
    const result = replay(looser, history);
    expect(result.outcome).toBe("promoted");
    // The second bake check failed in the recording and passes now.
    expect(result.divergedAt).toBe(history.bakeFrom! + 1);
    // Without a bake in the spec, the recorded bake steps are not judged at all.
    const none = replay({ ...run.spec, bake: undefined }, history);
    expect(none.outcome).toBe("promoted");
    expect(none.steps.some((s) => s.bake)).toBe(false);
  });
});
