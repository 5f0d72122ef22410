import { describe, expect, it } from "vitest";
import { isDnsLabel, isDnsSubdomain, nameProblem } from "./k8s-names.ts";

describe("Kubernetes names", () => {
  it("accepts what the API server accepts", () => {
    for (const ok of ["a", "apps", "a-b", "0", "x".repeat(63)])
      expect(isDnsLabel(ok), ok).toBe(true);
    for (const ok of [
      "podinfo",
      "a.b-c",
      "x".repeat(63) + ".y",
      "a".repeat(253),
    ])
      expect(isDnsSubdomain(ok), ok).toBe(true);
  });

  it("refuses what it refuses, with the field in the reason", () => {
    const bad = [
      "",
      "A",
      "-a",
      "a-",
      "a b",
      "a/b",
      "a_b",
      "x".repeat(64),
      "a\n",
      "ä",
    ];
    for (const value of bad) expect(isDnsLabel(value), value).toBe(false);
    for (const value of ["", "a..b", ".a", "a.", "a/b", "a".repeat(254), "a:b"])
      expect(isDnsSubdomain(value), value).toBe(false);
    expect(nameProblem("payload.name", "a/b", "name")).toBe(
      `payload.name "a/b" is not an object name (lowercase letters, digits, '-' and '.', at most 253 characters)`,
    );
    expect(
      nameProblem("payload.namespace", "apps", "namespace"),
    ).toBeUndefined();
    expect(nameProblem("path", "x".repeat(300), "name")).toMatch(
      /^path "x{80}\.\.\."/,
    );
  });
});
