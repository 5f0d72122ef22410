// The Grafana dashboard shipped in the chart: well-formed for Grafana (unique ids, the datasource
// variable, a place on the grid), and every panel query parses as PromQL (a real promtool checks them
// as recording rules). That each returns series is tested against a real Prometheus scraping the
// operator in test/operator/weighted-canary.test.ts.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { dashboardQueries, loadDashboard } from "../support/grafana.ts";

const run = promisify(execFile);

describe("the chart's Grafana dashboard", () => {
  it("has unique panel ids, the datasource variable and a grid place for each panel", () => {
    const dashboard = loadDashboard();
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual([
      "datasource",
      "job",
      "namespace",
    ]);
    for (const panel of dashboard.panels) {
      const raw = panel as unknown as {
        gridPos?: object;
        datasource?: { uid?: string };
        targets?: unknown[];
      };
      expect(raw.gridPos, panel.title).toBeDefined();
      expect(raw.datasource?.uid, panel.title).toBe("${datasource}");
      expect(raw.targets?.length, panel.title).toBeGreaterThan(0);
    }
    expect(dashboardQueries().length).toBeGreaterThanOrEqual(15);
  });

  it("every query parses as PromQL (promtool check rules)", async () => {
    const promtool = (
      await run("bash", [join(repoRoot, "scripts/promtool.sh")], {
        timeout: 900_000,
      })
    ).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), "siskin-grafana-"));
    const rules = {
      groups: [
        {
          name: "dashboard",
          rules: dashboardQueries().map((q, i) => ({
            record: `dashboard:query_${i}`,
            expr: q.expr,
          })),
        },
      ],
    };
    writeFileSync(join(dir, "rules.yaml"), stringify(rules));
    const checked = await run(promtool, [
      "check",
      "rules",
      join(dir, "rules.yaml"),
    ]);
    expect(checked.stdout).toMatch(
      new RegExp(`SUCCESS: ${rules.groups[0]!.rules.length} rules found`),
    );
    // And a broken expression is refused: the check can fail.
    writeFileSync(
      join(dir, "bad.yaml"),
      stringify({
        groups: [
          { name: "x", rules: [{ record: "x:y", expr: "sum(rate(x[5m])" }] },
        ],
      }),
    );
    await expect(
      run(promtool, ["check", "rules", join(dir, "bad.yaml")]),
    ).rejects.toThrow();
  }, 900_000);
});
