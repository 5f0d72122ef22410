import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { stringify } from "yaml";

/** The YAML form of a CRD as committed in crds/ (and the Helm chart). */
export function renderCrdYaml(crd: V1CustomResourceDefinition): string {
  return `# Generated from src/api by scripts/gen-crds.ts: do not edit by hand.\n${stringify(crd, { lineWidth: 0 })}`;
}
