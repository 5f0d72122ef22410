// ConfigMaps and Secrets a pod template references: found, copied as <name>-primary, and tracked by checksum.
import type { V1ConfigMap, V1PodSpec, V1Secret } from "@kubernetes/client-node";
import { contentHash } from "../util/hash.ts";

export const trackingAnnotation = "flagger.app/config-tracking";

export interface ConfigRefs {
  configMaps: Set<string>;
  secrets: Set<string>;
}

export function referencedConfigs(pod: V1PodSpec | undefined): ConfigRefs {
  const refs: ConfigRefs = { configMaps: new Set(), secrets: new Set() };
  if (!pod) return refs;
  for (const volume of pod.volumes ?? []) {
    if (volume.configMap?.name) refs.configMaps.add(volume.configMap.name);
    if (volume.secret?.secretName) refs.secrets.add(volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name) refs.configMaps.add(source.configMap.name);
      if (source.secret?.name) refs.secrets.add(source.secret.name);
    }
  }
  for (const container of [
    ...(pod.containers ?? []),
    ...(pod.initContainers ?? []),
  ]) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.configMapKeyRef?.name)
        refs.configMaps.add(env.valueFrom.configMapKeyRef.name);
      if (env.valueFrom?.secretKeyRef?.name)
        refs.secrets.add(env.valueFrom.secretKeyRef.name);
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef?.name) refs.configMaps.add(from.configMapRef.name);
      if (from.secretRef?.name) refs.secrets.add(from.secretRef.name);
    }
  }
  return refs;
}

const isTracked = (annotations: Record<string, string> | undefined): boolean =>
  annotations?.[trackingAnnotation] !== "disabled";

export interface TrackedConfigs {
  configMaps: V1ConfigMap[];
  secrets: V1Secret[];
  /** "configmap/<name>" / "secret/<name>" -> checksum, as in status.trackedConfigs. */
  checksums: Record<string, string>;
}

/** The existing, tracked configs among the references (missing ones are left to the pod to report). */
export function trackedConfigs(
  refs: ConfigRefs,
  lookup: {
    configMap(name: string): V1ConfigMap | undefined;
    secret(name: string): V1Secret | undefined;
  },
): TrackedConfigs {
  const configMaps = [...refs.configMaps]
    .map((n) => lookup.configMap(n))
    .filter((c): c is V1ConfigMap => !!c && isTracked(c.metadata?.annotations));
  const secrets = [...refs.secrets]
    .map((n) => lookup.secret(n))
    .filter((s): s is V1Secret => !!s && isTracked(s.metadata?.annotations));
  const checksums: Record<string, string> = {};
  for (const c of configMaps)
    checksums[`configmap/${c.metadata?.name}`] = contentHash({
      data: c.data,
      binaryData: c.binaryData,
    });
  for (const s of secrets)
    checksums[`secret/${s.metadata?.name}`] = contentHash({
      data: s.data,
      type: s.type,
    });
  return { configMaps, secrets, checksums };
}

/** A pod spec whose references to tracked configs point at their -primary copies. */
export function withPrimaryConfigRefs(
  pod: V1PodSpec,
  tracked: TrackedConfigs,
): V1PodSpec {
  const cms = new Set(tracked.configMaps.map((c) => c.metadata?.name));
  const secrets = new Set(tracked.secrets.map((s) => s.metadata?.name));
  return renameConfigRefs(pod, {
    configMap: (name) => (cms.has(name) ? `${name}-primary` : name),
    secret: (name) => (secrets.has(name) ? `${name}-primary` : name),
  });
}

/**
 * The -primary copies a primary's pod spec references, as "configmap/<name>" and "secret/<name>" of the
 * configs they copy: what a promotion overwrites, so what a revert must put back.
 */
export function primaryCopiesIn(
  pod: V1PodSpec | undefined,
  tracked: Record<string, string>,
): string[] {
  const refs = referencedConfigs(pod);
  const copies = (kind: string, names: Set<string>) =>
    [...names]
      .filter((n) => n.endsWith("-primary"))
      .map((n) => `${kind}/${n.slice(0, -"-primary".length)}`)
      .filter((key) => key in tracked);
  return [
    ...copies("configmap", refs.configMaps),
    ...copies("secret", refs.secrets),
  ].sort();
}

/** A pod spec whose -primary copy references (configs as primaryCopiesIn names them) point at -previous copies. */
export function withPreviousConfigRefs(
  pod: V1PodSpec,
  configs: readonly string[],
): V1PodSpec {
  const copied = new Set(configs);
  const rename = (kind: string) => (name: string) =>
    name.endsWith("-primary") &&
    copied.has(`${kind}/${name.slice(0, -"-primary".length)}`)
      ? `${name.slice(0, -"-primary".length)}-previous`
      : name;
  return renameConfigRefs(pod, {
    configMap: rename("configmap"),
    secret: rename("secret"),
  });
}

/** A copy of the pod spec with every ConfigMap and Secret reference renamed. */
function renameConfigRefs(
  pod: V1PodSpec,
  rename: { configMap(name: string): string; secret(name: string): string },
): V1PodSpec {
  const cm = (name: string | undefined) =>
    name === undefined ? name : rename.configMap(name);
  const sec = (name: string | undefined) =>
    name === undefined ? name : rename.secret(name);
  const copy = structuredClone(pod);
  for (const volume of copy.volumes ?? []) {
    if (volume.configMap) volume.configMap.name = cm(volume.configMap.name);
    if (volume.secret) volume.secret.secretName = sec(volume.secret.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap) source.configMap.name = cm(source.configMap.name);
      if (source.secret) source.secret.name = sec(source.secret.name);
    }
  }
  for (const container of [
    ...(copy.containers ?? []),
    ...(copy.initContainers ?? []),
  ]) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.configMapKeyRef)
        env.valueFrom.configMapKeyRef.name =
          cm(env.valueFrom.configMapKeyRef.name) ?? "";
      if (env.valueFrom?.secretKeyRef)
        env.valueFrom.secretKeyRef.name =
          sec(env.valueFrom.secretKeyRef.name) ?? "";
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef)
        from.configMapRef.name = cm(from.configMapRef.name);
      if (from.secretRef) from.secretRef.name = sec(from.secretRef.name);
    }
  }
  return copy;
}
