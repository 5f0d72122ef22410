// The graphite MetricTemplate against a real Graphite: Debian's graphite-web render API over whisper
// files written as carbon writes them. Each outcome is asserted: a value, a breach, no data, a
// rejected query, an unreachable server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/metrics/checks.ts";
import { templateMetric, templateStore } from "../support/check-context.ts";
import { GraphiteWeb } from "../support/graphite.ts";

const graphite = new GraphiteWeb();
const { templates, ctx } = templateStore();

const check = (
  query: string,
  range: { min?: number; max?: number },
  address = graphite.url,
) => {
  templates.set("apps/graphite", {
    provider: { type: "graphite", address },
    query,
  });
  return runCheck(templateMetric("graphite", range), ctx);
};

beforeAll(async () => {
  await graphite.start();
  graphite.write("apps.podinfo.success_rate", [
    [30, 99.9],
    [20, 97.5],
  ]);
  graphite.write("apps.other.success_rate", [[20, 10]]);
}, 90_000);
afterAll(() => graphite.stop());

describe("graphite MetricTemplate against graphite-web", () => {
  it("judges the last non-null point the render API returns for the rendered target", async () => {
    const query = "target=apps.{{ target }}.success_rate &\n from=-2min";
    expect(await check(query, { min: 95 })).toMatchObject({
      verdict: "pass",
      value: 97.5,
    });
    expect(await check(query, { min: 99 })).toMatchObject({
      verdict: "fail",
      value: 97.5,
    });
    // Functions are Graphite's own: the other series does not leak into the podinfo target.
    expect(
      await check("target=averageSeries(apps.{{ target }}.*)&from=-2min", {
        min: 95,
      }),
    ).toMatchObject({ verdict: "pass", value: 97.5 });
  });

  it("a target with no series, or only nulls in the window, is no data", async () => {
    expect(
      (await check("target=apps.nothing.success_rate&from=-2min", { min: 1 }))
        .verdict,
    ).toBe("nodata");
    expect(
      (
        await check(
          "target=apps.{{ target }}.success_rate&from=-2min&until=-1min",
          { min: 1 },
        )
      ).verdict,
    ).toBe("nodata");
  });

  it("a query Graphite rejects and an address nobody serves are errors that say which", async () => {
    expect(
      await check("target=nope(apps.podinfo.success_rate)", { min: 1 }),
    ).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(
        /Graphite rejected the query \(HTTP 400\): .*unknown function: nope/,
      ),
    });
    expect(
      await check(
        "target=apps.podinfo.success_rate",
        { min: 1 },
        "http://127.0.0.1:9",
      ),
    ).toMatchObject({
      verdict: "error",
      message: expect.stringMatching(/Graphite .*127\.0\.0\.1:9/),
    });
  });
});
