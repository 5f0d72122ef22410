// MetricTemplate and AlertProvider (flagger.app/v1beta1).
import { s, type Infer } from "./schema.ts";
import { specBounds } from "./bounds.ts";

/** Metric providers Siskin can query; the registry in src/metrics must have one entry per name. */
export const metricProviderTypes = [
  "prometheus",
  "datadog",
  "cloudwatch",
] as const;
/** Chat and webhook notifiers; the registry in src/notify must have one entry per name. */
export const alertProviderTypes = [
  "slack",
  "msteams",
  "discord",
  "rocket",
  "gchat",
  "generic",
] as const;

export const metricTemplateSpecSchema = s.object({
  provider: s
    .object({
      type: s.string({ enum: metricProviderTypes }).required(),
      address: s.string({ maxLength: specBounds.urlLength }),
      secretRef: s.object({ name: s.string({ minLength: 1 }).required() }),
      region: s.string(),
      insecureSkipVerify: s.boolean(),
      headers: s.map(s.string()),
    })
    .required(),
  query: s
    .string({ minLength: 1, maxLength: specBounds.queryLength })
    .required(),
});

export const alertProviderSpecSchema = s.object({
  type: s.string({ enum: alertProviderTypes }).required(),
  channel: s.string(),
  username: s.string(),
  address: s.string(),
  proxy: s.string(),
  secretRef: s.object({ name: s.string({ minLength: 1 }).required() }),
});

export type MetricTemplateSpec = Infer<typeof metricTemplateSpecSchema>;
export type AlertProviderSpec = Infer<typeof alertProviderSpecSchema>;
