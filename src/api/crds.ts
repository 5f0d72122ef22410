// The CustomResourceDefinitions, generated from the schemas (scripts/gen-crds.ts writes crds/).
import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { canarySpecSchema, canaryStatusSchema } from "./canary.ts";
import {
  alertProviderSpecSchema,
  metricTemplateSpecSchema,
} from "./templates.ts";
import type { OpenApiSchema, Schema } from "./schema.ts";

export const group = "flagger.app";
export const version = "v1beta1";

interface Column {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  priority?: number;
}

interface CrdInput {
  kind: string;
  plural: string;
  shortNames?: string[];
  spec: Schema<unknown, boolean>;
  status?: Schema<unknown, boolean>;
  columns: Column[];
}

function crd(input: CrdInput): V1CustomResourceDefinition {
  const properties: Record<string, OpenApiSchema> = {
    spec: input.spec.openapi,
  };
  if (input.status) properties.status = input.status.openapi;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${input.plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.kind.toLowerCase(),
        ...(input.shortNames ? { shortNames: input.shortNames } : {}),
        categories: ["all", "flagger"],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          ...(input.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: input.columns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties,
            } as never,
          },
        },
      ],
    },
  };
}

export const canaryCrd = crd({
  kind: "Canary",
  plural: "canaries",
  shortNames: ["canary"],
  spec: canarySpecSchema.required(),
  status: canaryStatusSchema,
  columns: [
    { name: "Status", type: "string", jsonPath: ".status.phase" },
    { name: "Weight", type: "integer", jsonPath: ".status.canaryWeight" },
    {
      name: "FailedChecks",
      type: "integer",
      jsonPath: ".status.failedChecks",
      priority: 1,
    },
    {
      name: "Interval",
      type: "string",
      jsonPath: ".spec.analysis.interval",
      priority: 1,
    },
    {
      name: "Mirror",
      type: "string",
      jsonPath: ".spec.analysis.mirror",
      priority: 1,
    },
    {
      name: "StepWeight",
      type: "string",
      jsonPath: ".spec.analysis.stepWeight",
      priority: 1,
    },
    {
      name: "StepWeights",
      type: "string",
      jsonPath: ".spec.analysis.stepWeights",
      priority: 1,
    },
    {
      name: "MaxWeight",
      type: "string",
      jsonPath: ".spec.analysis.maxWeight",
      priority: 1,
    },
    {
      name: "LastTransitionTime",
      type: "string",
      jsonPath: ".status.lastTransitionTime",
    },
  ],
});

export const metricTemplateCrd = crd({
  kind: "MetricTemplate",
  plural: "metrictemplates",
  spec: metricTemplateSpecSchema,
  columns: [
    { name: "Provider", type: "string", jsonPath: ".spec.provider.type" },
  ],
});

export const alertProviderCrd = crd({
  kind: "AlertProvider",
  plural: "alertproviders",
  spec: alertProviderSpecSchema,
  columns: [{ name: "Type", type: "string", jsonPath: ".spec.type" }],
});

/** File name in crds/ -> CRD. */
export const crdFiles: Record<string, V1CustomResourceDefinition> = {
  "flagger.app_canaries.yaml": canaryCrd,
  "flagger.app_metrictemplates.yaml": metricTemplateCrd,
  "flagger.app_alertproviders.yaml": alertProviderCrd,
};
