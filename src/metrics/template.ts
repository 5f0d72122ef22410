// MetricTemplate queries: Flagger's placeholders filled for one canary and one metric.
import type { ResolvedMetric, ResolvedSpec } from "../api/resolve.ts";
import { formatDuration } from "../util/durations.ts";
import { SiskinError } from "../util/errors.ts";
import { render } from "./render.ts";

export interface TemplateContext {
  canaryName: string;
  namespace: string;
  spec: ResolvedSpec;
  metric: ResolvedMetric;
  templateName: string;
}

/**
 * Renders `{{ name }}`, `{{ namespace }}`, `{{ target }}`, `{{ service }}`, `{{ interval }}` and
 * `{{ variables.<key> }}` (from the metric's templateVariables). A variable the query uses but the
 * Canary does not set is an error naming the key, like any other unknown placeholder.
 */
export function renderTemplateQuery(
  query: string,
  ctx: TemplateContext,
): string {
  const variables: Record<string, string> = {
    name: ctx.canaryName,
    namespace: ctx.namespace,
    target: ctx.spec.targetName,
    service: ctx.spec.apexName,
    interval: formatDuration(ctx.metric.intervalMs),
  };
  for (const [key, value] of Object.entries(ctx.metric.templateVariables))
    variables[`variables.${key}`] = value;
  const missing = [...query.matchAll(/\{\{\s*variables\.([\w-]+)\s*\}\}/g)]
    .map((m) => m[1] ?? "")
    .filter((key) => !(key in ctx.metric.templateVariables));
  if (missing.length > 0) {
    throw new SiskinError(
      "INVALID_SPEC",
      `MetricTemplate ${ctx.templateName} uses {{ variables.${missing[0]} }} but metric ${ctx.metric.name} sets no templateVariables.${missing[0]}; add it to the Canary`,
    );
  }
  try {
    return render(query, variables);
  } catch (error) {
    throw new SiskinError(
      "INVALID_SPEC",
      `MetricTemplate ${ctx.templateName}: ${(error as Error).message}`,
    );
  }
}
