import { describe, expect, it } from "vitest";
import { lintText } from "./lint.ts";

const options = { meshProvider: "kubernetes", minIntervalMs: 10_000 };
const canary = (spec: string) => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: podinfo, namespace: apps }
spec:
${spec}`;
const good = `  provider: gloo
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
  service: { port: 9898 }
  analysis:
    interval: 30s
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: { min: 99 }
        interval: 1m`;

describe("kubectl siskin lint", () => {
  it("passes a valid Canary and skips other kinds", () => {
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n---\n${canary(good)}`;
    expect(lintText("c.yaml", text, options)).toEqual({
      canaries: 1,
      problems: [],
    });
  });

  it("reports what the API server would refuse or drop, with file, object and field", () => {
    const bad = good
      .replace("kind: Deployment", "kind: Pod")
      .replace("threshold: 5", "threshold: 5\n    stepWieght: 10")
      .replace("port: 9898", "port: 70000");
    const { problems } = lintText("c.yaml", canary(bad), options);
    expect(problems).toEqual([
      expect.stringMatching(
        /^c\.yaml: Canary apps\/podinfo: spec\.targetRef\.kind: "Pod" is not one of "Deployment", "DaemonSet", "Service"$/,
      ),
      expect.stringMatching(
        /spec\.service\.port: 70000 is above the maximum 65535/,
      ),
      expect.stringMatching(
        /spec\.analysis\.stepWieght: is not a field of this object/,
      ),
    ]);
  });

  it("reports what the operator would refuse (InvalidSpec), with the fix", () => {
    const { problems } = lintText(
      "c.yaml",
      canary(
        good
          .replace("interval: 30s", "interval: 2s")
          .replace("provider: gloo", "provider: istio"),
      ),
      options,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/spec\.provider: .*istio/),
        expect.stringMatching(
          /spec\.analysis\.interval: 2s is below the minimum of 10s/,
        ),
      ]),
    );
  });

  it("says which document is not YAML", () => {
    expect(
      lintText("c.yaml", "kind: Canary\n  bad: [", options).problems[0],
    ).toMatch(/^c\.yaml: document 1: not YAML/);
  });
});
