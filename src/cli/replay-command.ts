// `kubectl siskin export NAME` writes a recorded run (the Canary's spec and one run of status.history);
// `kubectl siskin replay FILE [--set path=value]...` runs the decision core over it again, no cluster
// needed, and prints each step's decision, where it differs from the recording, and the outcome.
import { readFileSync } from "node:fs";
import type { Canary, CanarySpec, RunHistory } from "../api/canary.ts";
import { resolveCanarySpec } from "../api/resolve.ts";
import { replay } from "../analysis/replay.ts";
import { describeCheck } from "../analysis/verdicts.ts";
import { routerNames } from "../routers/registry.ts";

export interface RecordedRun {
  apiVersion: "siskin.dev/v1";
  kind: "RecordedRun";
  canary: { namespace: string; name: string };
  spec: CanarySpec;
  run: RunHistory;
}

export function exportRun(
  canary: Canary,
  which: "current" | "previous",
): RecordedRun {
  const runs = canary.status?.history?.runs ?? [];
  const run = which === "current" ? runs.at(-1) : runs.at(-2);
  if (!run)
    throw new Error(
      `${canary.metadata.namespace}/${canary.metadata.name} has no ${which} run in status.history (a run is recorded from its first analysis step)`,
    );
  return {
    apiVersion: "siskin.dev/v1",
    kind: "RecordedRun",
    canary: {
      namespace: canary.metadata.namespace,
      name: canary.metadata.name,
    },
    spec: canary.spec,
    run,
  };
}

/** `analysis.metrics[0].thresholdRange.max=400` -> the spec with that value (JSON when it parses). */
export function setPath(spec: CanarySpec, assignment: string): CanarySpec {
  const match = /^([A-Za-z0-9_.[\]]+)=(.*)$/s.exec(assignment);
  if (!match)
    throw new Error(
      `--set ${assignment}: write path=value, for example analysis.threshold=3`,
    );
  const [, path = "", raw = ""] = match;
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  const keys = path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean);
  const copy = structuredClone(spec) as unknown as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === undefined || next === null || typeof next !== "object")
      throw new Error(
        `--set ${assignment}: ${keys.slice(0, i + 1).join(".")} does not exist in the recorded spec`,
      );
    node = next as Record<string, unknown>;
  });
  return copy as unknown as CanarySpec;
}

const time = (d: Date) => d.toISOString().slice(11, 19);

export function replayCommand(
  file: string,
  assignments: string[],
  print: (line: string) => void,
): number {
  const text =
    file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  const recorded = JSON.parse(text) as RecordedRun;
  if (recorded.kind !== "RecordedRun" || !recorded.run || !recorded.spec)
    throw new Error(
      `${file} is not a recorded run: write one with kubectl siskin export NAME > run.json`,
    );
  const spec = assignments.reduce(setPath, recorded.spec);
  const resolved = resolveCanarySpec(spec, {
    namespace: recorded.canary.namespace,
    knownProviders: routerNames,
    defaultProvider: spec.provider ?? "kubernetes",
    defaultMetricsServer: "http://replay.invalid",
    minIntervalMs: 0,
  });
  if (!resolved.ok)
    throw new Error(
      `the spec does not resolve: ${resolved.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    );
  const result = replay(resolved.spec, recorded.run, {
    canary: recorded.canary,
  });
  const { namespace, name } = recorded.canary;
  print(
    `replay of ${namespace}/${name}, run of ${recorded.run.startedAt} (${recorded.run.t.length} recorded steps${assignments.length ? `; with ${assignments.join(", ")}` : ""})`,
  );
  if ((recorded.spec.analysis.webhooks ?? []).length > 0)
    print(
      "  webhooks are taken as answering OK (their answers are not recorded)",
    );
  for (const [i, step] of result.steps.entries()) {
    const checks = step.checks.map(describeCheck).join("; ") || "no checks";
    const differs =
      i === result.divergedAt
        ? `   <- diverges: the recording ${step.recordedFailed ? "failed" : "passed"} at weight ${step.recordedWeight}`
        : "";
    if (step.bake) {
      print(
        `  bake ${String(i + 1).padStart(2)} ${time(step.at)} primary: ${step.failed ? "FAILED" : "ok"}: ${checks}${differs}`,
      );
      print(`           -> ${step.decision}`);
      continue;
    }
    print(
      `  step ${String(i + 1).padStart(2)} ${time(step.at)} weight ${String(step.weight).padStart(3)}${step.reused ? " (reuses the last recorded step)" : ""}: ${step.failed ? "FAILED" : "ok"}: ${checks}${differs}`,
    );
    print(`           -> ${step.decision}`);
  }
  const recordedOutcome = recorded.run.outcome ?? "unfinished";
  print(
    `outcome: ${result.outcome} (recorded: ${recordedOutcome})${result.divergedAt === undefined ? "; every recorded step decided the same" : `; decisions diverge from step ${result.divergedAt + 1}`}`,
  );
  if (result.outcome !== "promoted") print(`  ${result.message}`);
  return result.outcome === "promoted"
    ? 0
    : result.outcome === "failed" || result.outcome === "reverted"
      ? 1
      : 2;
}
