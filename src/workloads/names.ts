// Names and labels of the objects Siskin generates for a Canary.
import { flaggerApiVersion } from "../api/identity.ts";
import type { V1Deployment } from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import { SiskinError } from "../util/errors.ts";

export const primaryName = (targetName: string): string =>
  `${targetName}-primary`;
/** analysis.rollbackWindow: the previous release's warm pods, and the Service in front of them. */
export const previousName = (targetName: string): string =>
  `${targetName}-previous`;
export const previousServiceName = (apex: string): string => `${apex}-previous`;
export const canaryServiceName = (apex: string): string => `${apex}-canary`;
export const primaryServiceName = (apex: string): string => `${apex}-primary`;

/** The selector label of the target: the first of --selector-labels present in its matchLabels. */
export function selectorLabel(
  target: V1Deployment,
  selectorLabels: readonly string[],
): { key: string; value: string } {
  const match = target.spec?.selector?.matchLabels ?? {};
  for (const key of selectorLabels) {
    const value = match[key];
    if (value) return { key, value };
  }
  throw new SiskinError(
    "INVALID_SPEC",
    `Deployment ${target.metadata?.name} has none of the selector labels ${selectorLabels.join(", ")} in spec.selector.matchLabels; add one (for example app: ${target.metadata?.name}) or change --selector-labels`,
  );
}

/** ownerReference making the Canary the controller of a generated object (garbage-collected with it). */
export function ownedBy(canary: Canary): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}[] {
  return [
    {
      apiVersion: flaggerApiVersion,
      kind: "Canary",
      name: canary.metadata.name,
      uid: canary.metadata.uid ?? "",
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

/** Labels of the target copied to generated objects, limited by --include-label-prefix. */
export function copiedLabels(
  labels: Record<string, string> | undefined,
  prefixes: readonly string[],
): Record<string, string> {
  if (!labels) return {};
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) =>
      prefixes.some((p) => p === "*" || k.startsWith(p)),
    ),
  );
}
