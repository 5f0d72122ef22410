import { describe, expect, it } from "vitest";
import { covers } from "./covers.ts";

describe("covers", () => {
  it.each([
    ["equal scalars", 1, 1, true],
    ["different scalars", 1, 2, false],
    ["server-added keys are ignored", { a: 1, b: 2 }, { a: 1 }, true],
    ["a missing key is drift", { a: 1 }, { a: 1, b: 2 }, false],
    ["nested change", { a: { b: [1, 2] } }, { a: { b: [1, 3] } }, false],
    ["extra list element is drift", [{ w: 1 }, { w: 2 }], [{ w: 1 }], false],
    ["list elements compare by their keys", [{ w: 1, x: 9 }], [{ w: 1 }], true],
    ["type change", { a: "1" }, { a: 1 }, false],
    ["object replaced by list", { a: [] }, { a: {} }, false],
    [
      "undefined desired fields are not written",
      { a: 1 },
      { a: 1, b: undefined },
      true,
    ],
  ])("%s", (_name, actual, desired, expected) => {
    expect(covers(actual, desired)).toBe(expected);
  });
});
