import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./durations.ts";
import { contentHash } from "./hash.ts";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["1m", 60_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["2h", 7_200_000],
  ])("%s -> %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "10", "1x", "m", "1m 30s", "-1s"])("rejects %j", (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
  it("formats for Prometheus ranges", () => {
    expect([60_000, 90_000, 3_600_000, 1500].map(formatDuration)).toEqual([
      "1m",
      "90s",
      "1h",
      "1500ms",
    ]);
  });
});

describe("contentHash", () => {
  it("ignores key order and undefined values but not content", () => {
    expect(contentHash({ a: 1, b: { c: [1, 2] } })).toBe(
      contentHash({ b: { c: [1, 2] }, a: 1, d: undefined }),
    );
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
  });
});
