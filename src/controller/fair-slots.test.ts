import { describe, expect, it } from "vitest";
import { FairSlots } from "./fair-slots.ts";

/** A call that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let open: () => void = () => undefined;
  const done = new Promise<void>((r) => (open = r));
  return {
    work: async () => {
      log.push(name);
      await done;
    },
    release: () => open(),
  };
}
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe("FairSlots", () => {
  it("one owner with many slow calls holds its share; another owner's call starts at once", async () => {
    const slots = new FairSlots(8); // 2 per owner
    const log: string[] = [];
    const greedy = Array.from({ length: 50 }, (_, i) =>
      gate(log, `greedy-${i}`),
    );
    const runs = greedy.map((g) =>
      slots.run("prometheus", "team-a/api", g.work),
    );
    await settle();
    expect(log).toEqual(["greedy-0", "greedy-1"]);
    const other = gate(log, "other-0");
    const otherRun = slots.run("prometheus", "team-b/web", other.work);
    await settle();
    expect(log.at(-1)).toBe("other-0");
    expect(slots.state("prometheus")).toEqual({ running: 3, waiting: 48 });
    other.release();
    await otherRun;
    for (const g of greedy) g.release();
    await Promise.all(runs);
    expect(log.filter((x) => x.startsWith("greedy"))).toHaveLength(50);
    expect(slots.state("prometheus")).toEqual({ running: 0, waiting: 0 });
  });

  it("freed slots go to waiting owners in turn, not in arrival order", async () => {
    const slots = new FairSlots(2, 1);
    const log: string[] = [];
    const calls = new Map<string, ReturnType<typeof gate>>();
    const runs: Promise<void>[] = [];
    for (const owner of ["a", "b", "c"])
      for (let i = 0; i < 3; i++) {
        const g = gate(log, `${owner}${i}`);
        calls.set(`${owner}${i}`, g);
        runs.push(slots.run("hook x", owner, g.work));
      }
    await settle();
    expect(log).toEqual(["a0", "b0"]);
    // Each call ends in the order the calls started; every end lets the next owner in turn start.
    for (let done = 0; done < log.length; done++) {
      calls.get(log[done] ?? "")?.release();
      await settle();
    }
    await Promise.all(runs);
    // a and b start, then c (which waited longest), and so on in turns.
    expect(log).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
  });
});
