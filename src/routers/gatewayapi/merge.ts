// Siskin's part of a route merged into what is already there, so routes stay extensible: Siskin owns
// the rules that point at the apex Service (their matches, backends and weights, and the filters and
// timeouts the Canary asks for); everything else is kept as found: other rules, other parentRefs and
// hostnames, labels and annotations, and filters someone added to Siskin's rules. Which filters Siskin
// wrote last time is recorded in an annotation, so a filter removed from the Canary leaves the route
// too, while one a user added stays.
import { createHash } from "node:crypto";
import { stableStringify } from "../../util/hash.ts";
import { ruleNames } from "./rules.ts";
import type { Json } from "./matches.ts";

export const filtersAnnotation = "siskin.dev/route-filters";

/** Filter types that may appear once per rule (the API server refuses a second). */
const uniqueFilterTypes = new Set([
  "RequestHeaderModifier",
  "ResponseHeaderModifier",
  "URLRewrite",
  "RequestRedirect",
  "CORS",
]);

export const fingerprint = (filter: unknown): string =>
  createHash("sha256")
    .update(stableStringify(filter))
    .digest("hex")
    .slice(0, 10);

export interface MergeInput {
  /** The route's spec as stored (undefined: there is none yet). */
  current: Json | undefined;
  /** The fingerprints of the filters Siskin wrote last time. */
  written: ReadonlySet<string>;
  /** Service names that make a rule Siskin's: the apex, -primary and -canary. */
  services: ReadonlySet<string>;
  namespace: string;
  rules: Json[];
  hostnames: string[];
  parentRefs: Json[];
}

const siskinNames = new Set<string>(Object.values(ruleNames));

/** A rule that points at the apex Service (or its -primary/-canary), or that Siskin named. */
export function isManagedRule(
  rule: Json,
  services: ReadonlySet<string>,
  namespace: string,
): boolean {
  if (typeof rule.name === "string" && siskinNames.has(rule.name)) return true;
  return ((rule.backendRefs as Json[] | undefined) ?? []).some(
    (b) =>
      services.has(String(b.name)) &&
      (b.kind === undefined || b.kind === "Service") &&
      (b.group === undefined || b.group === "") &&
      (b.namespace === undefined || b.namespace === namespace),
  );
}

const parentKey = (ref: Json): string =>
  stableStringify({
    group: ref.group ?? "gateway.networking.k8s.io",
    kind: ref.kind ?? "Gateway",
    namespace: ref.namespace ?? "",
    name: ref.name,
    sectionName: ref.sectionName ?? "",
    port: ref.port ?? 0,
  });

/** The merged spec, and the fingerprints of the filters Siskin wrote into it. */
export function mergeRoute(input: MergeInput): {
  spec: Json;
  written: string[];
} {
  const current = input.current ?? {};
  const currentRules = (current.rules as Json[] | undefined) ?? [];
  const managed = currentRules.filter((r) =>
    isManagedRule(r, input.services, input.namespace),
  );
  const mainName = input.rules.at(-1)?.name;
  const ours = new Set<string>();
  const rules = input.rules.map((rule) => {
    const generated = (rule.filters as Json[] | undefined) ?? [];
    for (const f of generated) ours.add(fingerprint(f));
    // What a user added to this rule (or, for a rule of ours that is gone, to the main one).
    const before = managed.filter(
      (r) =>
        r.name === rule.name ||
        (rule.name === mainName && !input.rules.some((n) => n.name === r.name)),
    );
    const generatedTypes = new Set(generated.map((f) => f.type));
    const kept = before.flatMap((r) =>
      ((r.filters as Json[] | undefined) ?? []).filter(
        (f) =>
          !input.written.has(fingerprint(f)) &&
          !ours.has(fingerprint(f)) &&
          !(
            uniqueFilterTypes.has(String(f.type)) && generatedTypes.has(f.type)
          ),
      ),
    );
    const extra = Object.fromEntries(
      before.flatMap((r) =>
        Object.entries(r).filter(
          ([k]) =>
            !["name", "matches", "filters", "backendRefs", "timeouts"].includes(
              k,
            ),
        ),
      ),
    );
    const timeouts = rule.timeouts ?? before.find((r) => r.timeouts)?.timeouts;
    const filters = [...generated, ...kept];
    return {
      ...extra,
      ...rule,
      ...(filters.length ? { filters } : {}),
      ...(timeouts ? { timeouts } : {}),
    };
  });
  const firstManaged = currentRules.findIndex((r) =>
    isManagedRule(r, input.services, input.namespace),
  );
  const others = currentRules.filter(
    (r) => !isManagedRule(r, input.services, input.namespace),
  );
  const at =
    firstManaged < 0
      ? 0
      : currentRules
          .slice(0, firstManaged)
          .filter((r) => !isManagedRule(r, input.services, input.namespace))
          .length;
  const parentRefs = [...((current.parentRefs as Json[] | undefined) ?? [])];
  for (const ref of input.parentRefs)
    if (!parentRefs.some((p) => parentKey(p) === parentKey(ref)))
      parentRefs.push(ref);
  const hostnames = [...((current.hostnames as string[] | undefined) ?? [])];
  for (const host of input.hostnames)
    if (!hostnames.includes(host)) hostnames.push(host);
  const spec: Json = {
    ...current,
    parentRefs,
    ...(hostnames.length ? { hostnames } : {}),
    rules: [...others.slice(0, at), ...rules, ...others.slice(at)],
  };
  return { spec, written: [...ours].sort() };
}
