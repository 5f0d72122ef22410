// The Prometheus Operator's ServiceMonitor and PodMonitor CRDs (monitoring.coreos.com/v1), written here as
// structural schemas for what the chart sets (selector, endpoints, labels), with everything else kept as
// given, so the chart's monitors can be installed on the local cluster and read back.
type Schema = Record<string, unknown>;

const kept: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const endpoint: Schema = {
  type: "object",
  properties: {
    port: { type: "string" },
    path: { type: "string" },
    interval: { type: "string" },
    honorLabels: { type: "boolean" },
  },
  "x-kubernetes-preserve-unknown-fields": true,
};

function crd(kind: string, plural: string, endpoints: string): Schema {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: {
                    selector: kept,
                    namespaceSelector: kept,
                    [endpoints]: { type: "array", items: endpoint },
                  },
                  "x-kubernetes-preserve-unknown-fields": true,
                },
              },
            },
          },
        },
      ],
    },
  };
}

export function prometheusOperatorCrds(): Schema[] {
  return [crd("ServiceMonitor", "servicemonitors", "endpoints"), crd("PodMonitor", "podmonitors", "podMetricsEndpoints")];
}
