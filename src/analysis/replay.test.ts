import { describe, expect, it } from "vitest";
import { breach, pass, Run } from "../../test/fixtures/decide-run.ts";
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
