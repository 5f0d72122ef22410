import { describe, expect, it } from "vitest";
import type { Canary, CanaryStatus } from "../api/canary.ts";
import { targetRevision } from "../controller/observe.ts";
import { revisionOutcome } from "./wait-revision.ts";

const target = (image: string) => ({
  spec: {
    template: {
      metadata: { labels: { app: "podinfo" } },
      spec: { containers: [{ name: "podinfo", image }] },
    },
  },
});
const rev = (image: string, configs: Record<string, string> = {}) =>
  targetRevision(target(image) as never, configs);
const canary = (status: CanaryStatus): Canary =>
  ({
    metadata: { name: "podinfo", namespace: "apps" },
    spec: {},
    status,
  }) as unknown as Canary;

describe("wait decides by revision", () => {
  it("a revision already promoted is done at once, however long ago", () => {
    const r = rev("podinfo:6.0.1");
    expect(
      revisionOutcome(
        canary({
          phase: "Succeeded",
          lastAppliedSpec: r,
          lastPromotedSpec: r,
          lastTransitionTime: "2020-01-01T00:00:00Z",
        }),
        target("podinfo:6.0.1"),
      ),
    ).toEqual({ state: "promoted", revision: r });
  });

  it("right after set image, the previous release's Succeeded is not accepted", () => {
    const old = rev("podinfo:6.0.0");
    expect(
      revisionOutcome(
        canary({
          phase: "Succeeded",
          lastAppliedSpec: old,
          lastPromotedSpec: old,
        }),
        target("podinfo:6.0.1"),
      ),
    ).toMatchObject({ state: "pending" });
  });

  it("the current revision rolled back is failed; a run in progress is pending", () => {
    const r = rev("podinfo:6.0.2");
    const previous = rev("podinfo:6.0.1");
    expect(
      revisionOutcome(
        canary({
          phase: "Failed",
          lastAppliedSpec: r,
          lastPromotedSpec: previous,
        }),
        target("podinfo:6.0.2"),
      ),
    ).toEqual({ state: "failed", revision: r });
    expect(
      revisionOutcome(
        canary({
          phase: "Progressing",
          lastAppliedSpec: r,
          lastPromotedSpec: previous,
        }),
        target("podinfo:6.0.2"),
      ),
    ).toMatchObject({
      state: "pending",
      why: expect.stringContaining("Progressing"),
    });
  });

  it("uses the config checksums the Canary recorded for its revision", () => {
    const configs = { "configmap/podinfo-config": "abc" };
    const r = rev("podinfo:6.0.1", configs);
    expect(
      revisionOutcome(
        canary({
          phase: "Succeeded",
          lastAppliedSpec: r,
          lastPromotedSpec: r,
          trackedConfigs: configs,
        }),
        target("podinfo:6.0.1"),
      ).state,
    ).toBe("promoted");
  });

  it("--image waits until the target runs the wanted image", () => {
    const r = rev("podinfo:6.0.1");
    const done = canary({
      phase: "Succeeded",
      lastAppliedSpec: r,
      lastPromotedSpec: r,
    });
    expect(
      revisionOutcome(done, target("podinfo:6.0.1"), "podinfo:6.0.2"),
    ).toMatchObject({
      state: "pending",
      why: expect.stringContaining("does not run podinfo:6.0.2"),
    });
    expect(
      revisionOutcome(done, target("podinfo:6.0.1"), "podinfo:6.0.1").state,
    ).toBe("promoted");
  });
});
