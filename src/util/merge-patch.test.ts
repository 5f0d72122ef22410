import { describe, expect, it } from "vitest";
import { mergePatchFor } from "./merge-patch.ts";

/** RFC 7386's MergePatch, to check that applying the patch gives `next`. */
function apply(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch))
    return patch;
  const result: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = apply(result[key], value);
  }
  return result;
}

describe("mergePatchFor", () => {
  it("removes nested keys the next object dropped, replaces arrays whole", () => {
    const current = {
      phase: "Failed",
      message: "old",
      reverted: { to: "rev1", restoring: true },
      previous: {
        revision: "rev1",
        warmUntil: "2026-12-03T10:00:00Z",
        template: {
          spec: {
            containers: [{ name: "a", env: [{ name: "X", value: "1" }] }],
            nodeSelector: { disk: "ssd" },
          },
        },
      },
    };
    const next = {
      phase: "Failed",
      reverted: { to: "rev1" },
      previous: {
        revision: "rev2",
        template: { spec: { containers: [{ name: "a" }] } },
      },
    };
    const patch = mergePatchFor(current, next);
    expect(patch).toMatchObject({
      message: null,
      reverted: { restoring: null },
      previous: { warmUntil: null, template: { spec: { nodeSelector: null } } },
    });
    expect(apply(current, patch)).toEqual(next);
  });
});
