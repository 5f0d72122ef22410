import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { version } from "./version.ts";

describe("version", () => {
  it("is the package's and the chart's appVersion", () => {
    const root = new URL("../", import.meta.url);
    const pkg = JSON.parse(
      readFileSync(new URL("package.json", root), "utf8"),
    ) as { version: string };
    const chart = parse(
      readFileSync(new URL("charts/siskin/Chart.yaml", root), "utf8"),
    ) as {
      appVersion: string;
    };
    expect(version).toBe(pkg.version);
    expect(version).toBe(chart.appVersion);
  });
});
