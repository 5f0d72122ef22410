// Our Canary, MetricTemplate and AlertProvider schemas against Flagger 1.44's own CRDs
// (kustomize/base/flagger/crd.yaml of its Go module, fetched by scripts/flagger-crds.sh): every field
// Flagger declares is declared by ours with the same type, and every enum of Flagger's accepts at least
// Flagger's values, so a Flagger object is stored whole. The few deliberate differences are listed
// below with their reason; anything else fails here.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFiles } from "../../src/api/crds.ts";

interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

const root = join(import.meta.dirname, "..", "..");

/** Paths whose type differs on purpose: Flagger's "number" where only whole numbers mean anything. */
const integerForNumber = (path: string) =>
  /(port|Seconds|iterations|threshold|Weight|Weights\[\]|WeightPromotion|Threshold|retries|maxAge)$/.test(
    path,
  );

/** Enums ours leaves open on purpose (the value is checked with a clearer message by the resolver). */
const openEnums = new Set(["Canary spec.provider"]);

function flaggerCrds(): Map<string, Schema> {
  const file = execFileSync("bash", [join(root, "scripts/flagger-crds.sh")], {
    encoding: "utf8",
  }).trim();
  const docs = parseAllDocuments(readFileSync(file, "utf8"))
    .map(
      (d) =>
        d.toJS() as {
          spec?: {
            names: { kind: string };
            versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
          };
        },
    )
    .filter((d) => d?.spec);
  return new Map(
    docs.map((d) => [
      d.spec!.names.kind,
      d.spec!.versions.find((v) => v.name === "v1beta1")!.schema.openAPIV3Schema
        .properties!.spec!,
    ]),
  );
}

function ourCrds(): Map<string, Schema> {
  return new Map(
    Object.values(crdFiles).map((crd) => [
      crd.spec.names.kind,
      (
        crd.spec.versions.find((v) => v.name === "v1beta1")!.schema!
          .openAPIV3Schema as Schema
      ).properties!.spec!,
    ]),
  );
}

function paths(
  schema: Schema,
  at: string,
  out = new Map<string, Schema>(),
): Map<string, Schema> {
  out.set(at, schema);
  for (const [key, child] of Object.entries(schema.properties ?? {}))
    paths(child, `${at}.${key}`, out);
  if (schema.items) paths(schema.items, `${at}[]`, out);
  if (typeof schema.additionalProperties === "object")
    paths(schema.additionalProperties, `${at}{}`, out);
  return out;
}

/** A path ours does not declare is still kept when an ancestor preserves unknown fields. */
function keptBy(ours: Map<string, Schema>, path: string): boolean {
  for (
    let at = path;
    at.length > 0;
    at = at.replace(/(\.[^.[{]+|\[\]|\{\})$/, "")
  ) {
    if (ours.get(at)?.["x-kubernetes-preserve-unknown-fields"]) return true;
    if (!/(\.[^.[{]+|\[\]|\{\})$/.test(at)) break;
  }
  return false;
}

/** Every difference between Flagger's schema of a kind and ours, one line each. */
export function differences(
  kind: string,
  flagger: Schema,
  ours: Schema,
): string[] {
  const theirs = paths(flagger, "spec");
  const mine = paths(ours, "spec");
  const found: string[] = [];
  for (const [path, schema] of theirs) {
    const match = mine.get(path);
    if (!match) {
      if (!keptBy(mine, path)) found.push(`${kind} ${path}: missing`);
      continue;
    }
    if (match["x-kubernetes-preserve-unknown-fields"] && !match.type) continue;
    if (schema.type && match.type && schema.type !== match.type) {
      if (!(
        schema.type === "number" &&
        match.type === "integer" &&
        integerForNumber(path)
      ))
        found.push(
          `${kind} ${path}: type ${match.type}, Flagger ${schema.type}`,
        );
    }
    if (schema.enum && !openEnums.has(`${kind} ${path}`)) {
      const missing = schema.enum.filter(
        (v) => !(match.enum ?? []).includes(v),
      );
      if (match.enum && missing.length > 0)
        found.push(`${kind} ${path}: enum lacks ${JSON.stringify(missing)}`);
    }
  }
  return found;
}

describe("our CRDs keep every field of Flagger 1.44's", () => {
  const flagger = flaggerCrds();
  const ours = ourCrds();
  it.each(["Canary", "MetricTemplate", "AlertProvider"])("%s", (kind) => {
    expect(differences(kind, flagger.get(kind)!, ours.get(kind)!)).toEqual([]);
  });

  it("notices a field ours lacks (the comparison can fail)", () => {
    const canary = structuredClone(ours.get("Canary")!);
    delete canary.properties!.service!.properties!.trafficPolicy;
    delete canary.properties!.analysis!.properties!.sessionAffinity!.properties!
      .sameSite;
    expect(differences("Canary", flagger.get("Canary")!, canary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/spec\.service\.trafficPolicy: missing/),
        expect.stringMatching(/sessionAffinity\.sameSite: missing/),
      ]),
    );
  });
});
