// Which Canaries use which objects, so a change wakes only the Canaries that depend on it and the caches
// hold whole only the objects some Canary uses. What a spec names (target, primary, HPA, templates,
// upstreamRef) is known from the Canary alone; what the target mounts (ConfigMaps, Secrets) and which
// Secrets its templates and alerts read is reported by each reconcile.
import type { Canary } from "../api/canary.ts";
import { isGatewayApi } from "../routers/names.ts";
import { previousName, primaryName } from "../workloads/names.ts";

export type UseKind =
  | "deployment"
  | "hpa"
  | "metricTemplate"
  | "upstream"
  | "configMap"
  | "secret"
  | "route";

const objectKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** What the spec itself names, per kind. */
export function namedBySpec(
  canary: Canary,
  defaultProvider = "",
): Map<UseKind, string[]> {
  const ns = canary.metadata.namespace;
  const spec = canary.spec;
  const target = spec?.targetRef?.name;
  const hpa = spec?.autoscalerRef?.name;
  const upstream = spec?.upstreamRef;
  const templates = (spec?.analysis?.metrics ?? []).flatMap((m) =>
    m.templateRef
      ? [objectKey(m.templateRef.namespace || ns, m.templateRef.name)]
      : [],
  );
  // A Gateway API route named after the apex Service may exist before the Canary (a user's): it is
  // held whole and its changes wake the Canary, whoever owns it.
  const routers = [spec?.provider ?? defaultProvider, ...(spec?.routers ?? [])];
  const apex = spec?.service?.name ?? target;
  const route = apex && routers.some(isGatewayApi) ? [objectKey(ns, apex)] : [];
  return new Map<UseKind, string[]>([
    ["route", route],
    [
      "deployment",
      target
        ? [
            objectKey(ns, target),
            objectKey(ns, primaryName(target)),
            // analysis.rollbackWindow's warm pods: held whole so a revert knows they are ready.
            ...(spec?.analysis?.rollbackWindow
              ? [objectKey(ns, previousName(target))]
              : []),
          ]
        : [],
    ],
    ["hpa", hpa ? [objectKey(ns, hpa), objectKey(ns, primaryName(hpa))] : []],
    ["metricTemplate", templates],
    [
      "upstream",
      upstream ? [objectKey(upstream.namespace ?? ns, upstream.name)] : [],
    ],
  ]);
}

export class UseIndex {
  /** kind -> object key -> canary keys */
  private readonly users = new Map<UseKind, Map<string, Set<string>>>();
  /** canary key -> kind -> object keys (what was last recorded) */
  private readonly byCanary = new Map<string, Map<UseKind, Set<string>>>();
  private readonly onChange: (kind: UseKind, objectKey: string) => void;
  private readonly defaultProvider: string;

  /**
   * `onChange` hears of each object that became used or unused; `defaultProvider` (--mesh-provider) is
   * the router of a Canary that names none.
   */
  constructor(
    onChange: (kind: UseKind, objectKey: string) => void,
    defaultProvider = "",
  ) {
    this.onChange = onChange;
    this.defaultProvider = defaultProvider;
  }

  /** Records what one Canary uses of one kind, replacing what it used before. */
  set(canaryKey: string, kind: UseKind, objectKeys: Iterable<string>): void {
    let kinds = this.byCanary.get(canaryKey);
    if (!kinds) this.byCanary.set(canaryKey, (kinds = new Map()));
    const before = kinds.get(kind) ?? new Set<string>();
    const after = new Set(objectKeys);
    kinds.set(kind, after);
    let index = this.users.get(kind);
    if (!index) this.users.set(kind, (index = new Map()));
    for (const key of before) {
      if (after.has(key)) continue;
      const set = index.get(key);
      set?.delete(canaryKey);
      if (set && set.size === 0) {
        index.delete(key);
        this.onChange(kind, key);
      }
    }
    for (const key of after) {
      if (before.has(key)) continue;
      let set = index.get(key);
      if (!set) index.set(key, (set = new Set()));
      set.add(canaryKey);
      if (set.size === 1) this.onChange(kind, key);
    }
  }

  /** The spec's own uses (called for every Canary event). */
  setFromSpec(canaryKey: string, canary: Canary): void {
    for (const [kind, keys] of namedBySpec(canary, this.defaultProvider))
      this.set(canaryKey, kind, keys);
  }

  /** Forgets a deleted Canary. */
  remove(canaryKey: string): void {
    const kinds = this.byCanary.get(canaryKey);
    if (!kinds) return;
    for (const kind of [...kinds.keys()]) this.set(canaryKey, kind, []);
    this.byCanary.delete(canaryKey);
  }

  isUsed(kind: UseKind, namespace: string, name: string): boolean {
    return (
      (this.users.get(kind)?.get(objectKey(namespace, name))?.size ?? 0) > 0
    );
  }

  /** The Canaries using an object. */
  usersOf(kind: UseKind, namespace: string, name: string): string[] {
    return [...(this.users.get(kind)?.get(objectKey(namespace, name)) ?? [])];
  }
}
