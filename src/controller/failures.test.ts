import { describe, expect, it } from "vitest";
import type { Canary } from "../api/canary.ts";
import { FakeClock } from "../../dev/testing/fake-clock.ts";
import { ReconcileFailures, withoutFailure } from "./failures.ts";

const canary = {
  metadata: { name: "podinfo", namespace: "apps", uid: "u1" },
  spec: {},
  status: {
    phase: "Progressing",
    conditions: [{ type: "Promoted", status: "Unknown" }],
  },
} as unknown as Canary;

function setup() {
  const events: string[] = [];
  const patches: unknown[] = [];
  const failures = new ReconcileFailures({
    events: {
      record: async (_t, type, reason, message) =>
        void events.push(`${type} ${reason}: ${message}`),
    },
    writer: {
      patchCanaryStatus: async (_ns, _n, status) => void patches.push(status),
    },
    lookup: () => canary,
    clock: new FakeClock(Date.parse("2026-12-02T10:00:00Z")),
  });
  return { failures, events, patches };
}

describe("reconciles that keep failing", () => {
  it("retried failures are said at the third in a row, once; a success starts the count again", async () => {
    const { failures, events, patches } = setup();
    await failures.failed("apps/podinfo", new Error("conflict"), true);
    await failures.failed("apps/podinfo", new Error("conflict"), true);
    expect(events).toEqual([]);
    await failures.failed("apps/podinfo", new Error("conflict"), true);
    await failures.failed("apps/podinfo", new Error("conflict"), true);
    expect(events).toEqual([
      "Warning ReconcileFailed: reconcile failed 3 times in a row: conflict; retrying with backoff",
    ]);
    expect(patches).toEqual([
      {
        conditions: [
          { type: "Promoted", status: "Unknown" },
          expect.objectContaining({
            type: "ReconcileFailed",
            status: "True",
            reason: "ReconcileFailed",
          }),
        ],
      },
    ]);
    failures.succeeded("apps/podinfo");
    await failures.failed("apps/podinfo", new Error("conflict"), true);
    expect(events).toHaveLength(1);
  });

  it("a failure that will not be retried is said at once", async () => {
    const { failures, events } = setup();
    await failures.failed("apps/podinfo", new Error("denied by policy"), false);
    expect(events).toEqual([
      expect.stringMatching(
        /^Warning ReconcileFailed: reconcile failed: denied by policy/,
      ),
    ]);
  });

  it("the reconciler's status write drops the condition", () => {
    expect(
      withoutFailure({
        conditions: [
          { type: "Promoted", status: "True" },
          { type: "ReconcileFailed", status: "True" },
        ],
      }).conditions,
    ).toEqual([{ type: "Promoted", status: "True" }]);
  });
});
