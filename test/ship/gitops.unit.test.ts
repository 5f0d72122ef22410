// The GitOps examples: they parse, install the chart in this repository, and carry the settings that
// keep Flux and Argo CD from fighting Siskin over the target's spec.replicas.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../../dev/cluster/cluster.ts";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read field by field */
const docs = (file: string): any[] =>
  parseAllDocuments(
    readFileSync(join(repoRoot, "examples/gitops", file), "utf8"),
  ).map((d) => d.toJS());

describe("GitOps examples", () => {
  it("Flux installs charts/siskin with its CRDs kept current", () => {
    const release = docs("flux/siskin.yaml").find(
      (d) => d.kind === "HelmRelease",
    );
    expect(release.spec.chart.spec.chart).toBe("./charts/siskin");
    expect(release.spec.install.crds).toBe("CreateReplace");
    expect(release.spec.values).toMatchObject({
      meshProvider: "gloo",
      leaderElection: { enabled: true },
    });
    expect(
      Object.keys(release.spec.values).every((k) => k in valuesOfChart()),
    ).toBe(true);
  });

  it("Argo CD installs charts/siskin and leaves the target's replicas to Siskin", () => {
    const [siskin, app] = docs("argocd/siskin.yaml");
    expect(siskin.spec.source.path).toBe("charts/siskin");
    expect(
      Object.keys(siskin.spec.source.helm.valuesObject).every(
        (k) => k in valuesOfChart(),
      ),
    ).toBe(true);
    expect(app.spec.ignoreDifferences).toContainEqual(
      expect.objectContaining({
        group: "apps",
        kind: "Deployment",
        jsonPointers: ["/spec/replicas"],
      }),
    );
    expect(app.spec.syncPolicy.syncOptions).toContain(
      "RespectIgnoreDifferences=true",
    );
  });
});

function valuesOfChart(): Record<string, unknown> {
  return parseAllDocuments(
    readFileSync(join(repoRoot, "charts/siskin/values.yaml"), "utf8"),
  )[0]?.toJS() as Record<string, unknown>;
}
