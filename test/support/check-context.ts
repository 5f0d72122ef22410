// What a MetricTemplate check needs outside the operator: the seed Canary's resolved spec and a
// CheckContext over in-memory templates and Secrets, for the provider tests against real servers.
import type { MetricTemplateSpec } from "../../src/api/templates.ts";
import {
  resolveCanarySpec,
  type ResolvedMetric,
} from "../../src/api/resolve.ts";
import type { CheckContext } from "../../src/metrics/checks.ts";
import { prometheusProvider } from "../../src/metrics/prometheus.ts";
import { seedCanarySpec } from "../fixtures/seed-canary.ts";

export interface TemplateStore {
  templates: Map<string, MetricTemplateSpec>;
  secrets: Map<string, Record<string, string>>;
  ctx: CheckContext;
}

/** A CheckContext for Canary apps/podinfo reading templates and Secrets from the returned maps. */
export function templateStore(timeoutMs = 5000): TemplateStore {
  const templates = new Map<string, MetricTemplateSpec>();
  const secrets = new Map<string, Record<string, string>>();
  const resolved = resolveCanarySpec(seedCanarySpec(), {
    namespace: "apps",
    knownProviders: ["gloo"],
    defaultProvider: "gloo",
    defaultMetricsServer: "http://127.0.0.1:9",
    minIntervalMs: 1000,
  });
  if (!resolved.ok) throw new Error("fixture must resolve");
  return {
    templates,
    secrets,
    ctx: {
      name: "podinfo",
      namespace: "apps",
      spec: resolved.spec,
      prometheus: prometheusProvider({ address: "http://127.0.0.1:9" }),
      timeoutMs,
      lookupTemplate: (ns, name) => templates.get(`${ns}/${name}`),
      lookupSecret: (ns, name) => secrets.get(`${ns}/${name}`),
    },
  };
}

/** A metric of the Canary that uses MetricTemplate apps/<template>, judged against `range`. */
export function templateMetric(
  template: string,
  range: { min?: number; max?: number },
  variables: Record<string, string> = {},
): ResolvedMetric {
  return {
    name: template,
    intervalMs: 60_000,
    ...range,
    templateRef: { name: template, namespace: "apps" },
    templateVariables: variables,
    minRequests: 0,
    dryRun: false,
  };
}
