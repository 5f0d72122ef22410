// analysis.rollbackWindow: the release a promotion replaced keeps pods running as <target>-previous,
// behind <apex>-previous, built from the primary's pod template as it ran before the promotion.
import type { V1Deployment, V1Service } from "@kubernetes/client-node";
import type { Canary } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { withPreviousConfigRefs } from "./configs.ts";
import {
  generatedService,
  revisionAnnotation,
  type Selector,
} from "./desired.ts";
import {
  copiedLabels,
  ownedBy,
  previousName,
  previousServiceName,
} from "./names.ts";

/** analysis.rollbackWindow: <target>-previous, the release a promotion replaced, and its Service. */
export function previousRelease(input: {
  canary: Canary;
  spec: ResolvedSpec;
  target: V1Deployment;
  selector: Selector;
  /** The primary's pod template as it ran before the promotion (status.previous.template). */
  template: Record<string, unknown>;
  revision: string;
  replicas: number;
  includeLabelPrefix: readonly string[];
  /** The template's -primary config copies, mounted from their -previous copies instead. */
  configs?: readonly string[];
}): [V1Deployment, V1Service] {
  const { canary, spec, selector } = input;
  const value = `${selector.value}-previous`;
  const template = structuredClone(input.template) as NonNullable<
    V1Deployment["spec"]
  >["template"];
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [selector.key]: value },
  };
  if (template.spec && input.configs?.length)
    template.spec = withPreviousConfigRefs(template.spec, input.configs);
  const deployment: V1Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: previousName(input.target.metadata?.name ?? ""),
      namespace: canary.metadata.namespace,
      labels: {
        ...copiedLabels(
          input.target.metadata?.labels,
          input.includeLabelPrefix,
        ),
        [selector.key]: value,
      },
      annotations: { [revisionAnnotation]: input.revision },
      ownerReferences: ownedBy(canary),
    },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { [selector.key]: value } },
      template,
    },
  };
  return [
    deployment,
    generatedService(
      canary,
      spec,
      selector.key,
      previousServiceName(spec.apexName),
      value,
      undefined,
    ),
  ];
}
