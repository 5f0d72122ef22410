// `kubectl siskin lint FILE...`: the Canaries in YAML files checked offline, for CI: first against the
// CRD's schema (what the API server would refuse or drop), then by the operator's own resolver (what it
// would refuse with InvalidSpec), each problem with its file, object and field. Exit 0 clean, 1 with
// problems. Other kinds in the files are skipped.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { canarySpecSchema, type CanarySpec } from "../api/canary.ts";
import { resolveCanarySpec } from "../api/resolve.ts";
import { validateAgainst } from "../api/validate.ts";
import { routerNames } from "../routers/names.ts";

export interface LintOptions {
  meshProvider: string;
  minIntervalMs: number;
}

interface Document {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

export function lintText(
  file: string,
  text: string,
  options: LintOptions,
): { canaries: number; problems: string[] } {
  const problems: string[] = [];
  let canaries = 0;
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      problems.push(
        `${file}: document ${i + 1}: not YAML: ${doc.errors[0]?.message ?? ""}`,
      );
      return;
    }
    const object = doc.toJS() as Document | null;
    if (
      !object ||
      object.kind !== "Canary" ||
      !object.apiVersion?.startsWith("flagger.app/")
    )
      return;
    canaries += 1;
    const who = `${file}: Canary ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata?.name ?? `(document ${i + 1})`}`;
    const structural = validateAgainst(
      canarySpecSchema.openapi,
      object.spec ?? null,
      "spec",
    );
    if (object.spec === undefined)
      structural.splice(0, structural.length, {
        path: "spec",
        message: "is required",
      });
    if (structural.length > 0) {
      for (const p of structural)
        problems.push(`${who}: ${p.path}: ${p.message}`);
      return; // the resolver trusts what the API server checks
    }
    const resolved = resolveCanarySpec(object.spec as CanarySpec, {
      namespace: object.metadata?.namespace ?? "default",
      knownProviders: routerNames,
      defaultProvider: options.meshProvider,
      defaultMetricsServer: "http://prometheus:9090",
      minIntervalMs: options.minIntervalMs,
    });
    if (!resolved.ok)
      for (const p of resolved.issues)
        problems.push(`${who}: ${p.path}: ${p.message}`);
  });
  return { canaries, problems };
}

export function lintFiles(
  files: string[],
  options: LintOptions,
  print: (line: string) => void,
): number {
  let canaries = 0;
  const problems: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const result = lintText(file, text, options);
    canaries += result.canaries;
    problems.push(...result.problems);
  }
  for (const p of problems) print(p);
  print(
    problems.length === 0
      ? `${canaries} Canar${canaries === 1 ? "y" : "ies"} checked: no problems`
      : `${canaries} Canar${canaries === 1 ? "y" : "ies"} checked: ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
  );
  return problems.length === 0 ? 0 : 1;
}
