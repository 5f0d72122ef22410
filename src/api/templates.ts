// MetricTemplate and AlertProvider (flagger.app/v1beta1).
import { s, type Infer } from "./schema.ts";
import { specBounds } from "./bounds.ts";

/**
 * Flagger's metric provider types, all stored; the registry in src/metrics has one entry per name
 * (one that Siskin cannot query says why when a check runs).
 */
export const metricProviderTypes = [
  "prometheus",
  "datadog",
  "cloudwatch",
  "newrelic",
  "dynatrace",
  "graphite",
  "influxdb",
  "stackdriver",
  "splunk",
  "externalmetrics",
  "keptn",
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
      headers: s
        .map(s.anyValue())
        .describe(
          "HTTP headers for the provider's requests: a list of values per name (Flagger's shape) or one string.",
        ),
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
