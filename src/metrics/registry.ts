// MetricTemplate providers by type. Credentials come from the template's Secret, read when a check
// runs; a missing Secret or key is an error naming both. Unknown types are rejected by the CRD enum.
import type {
  MetricTemplateSpec,
  metricProviderTypes,
} from "../api/templates.ts";
import { SiskinError } from "../util/errors.ts";
import { cloudwatchProvider } from "./cloudwatch.ts";
import { datadogProvider } from "./datadog.ts";
import { prometheusProvider } from "./prometheus.ts";
import { dynatraceProvider } from "./providers/dynatrace.ts";
import { graphiteProvider } from "./providers/graphite.ts";
import { influxDbProvider } from "./providers/influxdb.ts";
import {
  externalMetricsProvider,
  type KubeGet,
} from "./providers/externalmetrics.ts";
import { newRelicProvider } from "./providers/newrelic.ts";
import { splunkProvider } from "./providers/splunk.ts";
import {
  stackdriverProvider,
  type ServiceAccountKey,
} from "./providers/stackdriver.ts";
import type { MetricProvider } from "./types.ts";

export interface ProviderInput {
  template: { namespace: string; name: string; spec: MetricTemplateSpec };
  /** Decoded data of provider.secretRef, or undefined when the template names no Secret. */
  secret: Record<string, string> | undefined;
  intervalMs: number;
  timeoutMs: number;
  /** The operator's API server, for externalmetrics without an address. */
  kube?: KubeGet;
}

type ProviderFactory = (input: ProviderInput) => MetricProvider;

function secretKey(input: ProviderInput, key: string, required: true): string;
function secretKey(
  input: ProviderInput,
  key: string,
  required?: false,
): string | undefined;
function secretKey(
  input: ProviderInput,
  key: string,
  required = false,
): string | undefined {
  const value = input.secret?.[key];
  if (value === undefined && required) {
    const ref = input.template.spec.provider.secretRef?.name;
    const where = ref
      ? `Secret ${input.template.namespace}/${ref}`
      : `MetricTemplate ${input.template.namespace}/${input.template.name} (no provider.secretRef)`;
    throw new SiskinError("CONFIG", `${where} has no key ${key}; add it`);
  }
  return value;
}

/**
 * spec.provider.headers as one value per name: Flagger's lists of values are joined with ", " (as
 * HTTP folds repeated headers); a plain string is taken as is.
 */
export function templateHeaders(input: ProviderInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    input.template.spec.provider.headers ?? {},
  )) {
    if (typeof value === "string") headers[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === "string"))
      headers[name] = value.join(", ");
    else
      throw new SiskinError(
        "CONFIG",
        `MetricTemplate ${input.template.namespace}/${input.template.name}: spec.provider.headers.${name} must be a list of strings (or one string)`,
      );
  }
  return headers;
}

function address(input: ProviderInput, fallback?: string): string {
  const value = input.template.spec.provider.address ?? fallback;
  if (!value) {
    throw new SiskinError(
      "CONFIG",
      `MetricTemplate ${input.template.namespace}/${input.template.name}: set spec.provider.address`,
    );
  }
  return value;
}

export const metricProviders = {
  prometheus: (input) => {
    const token = secretKey(input, "token");
    const username = secretKey(input, "username");
    return prometheusProvider({
      address: address(input),
      timeoutMs: input.timeoutMs,
      ...(token ? { bearerToken: token } : {}),
      ...(username
        ? {
            basicAuth: {
              username,
              password: secretKey(input, "password", true),
            },
          }
        : {}),
      headers: templateHeaders(input),
      insecureSkipVerify:
        input.template.spec.provider.insecureSkipVerify ?? false,
    });
  },
  datadog: (input) =>
    datadogProvider({
      address: address(input, "https://api.datadoghq.com"),
      apiKey: secretKey(input, "datadog_api_key", true),
      applicationKey: secretKey(input, "datadog_application_key", true),
      intervalMs: input.intervalMs,
      timeoutMs: input.timeoutMs,
    }),
  cloudwatch: (input) => {
    const region = input.template.spec.provider.region;
    if (!region) {
      throw new SiskinError(
        "CONFIG",
        `MetricTemplate ${input.template.namespace}/${input.template.name}: set spec.provider.region`,
      );
    }
    if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/.test(region)) {
      throw new SiskinError(
        "CONFIG",
        `MetricTemplate ${input.template.namespace}/${input.template.name}: region "${region}" is not an AWS region (like us-east-1)`,
      );
    }
    const endpoint = input.template.spec.provider.address;
    return cloudwatchProvider({
      region,
      intervalMs: input.intervalMs,
      ...(endpoint ? { endpoint } : {}),
    });
  },
  newrelic: (input) =>
    newRelicProvider({
      ...(input.template.spec.provider.address
        ? { address: input.template.spec.provider.address }
        : {}),
      accountId: secretKey(input, "newrelic_account_id", true),
      queryKey: secretKey(input, "newrelic_query_key", true),
      intervalMs: input.intervalMs,
      timeoutMs: input.timeoutMs,
    }),
  dynatrace: (input) =>
    dynatraceProvider({
      address: address(input),
      token: secretKey(input, "dynatrace_token", true),
      intervalMs: input.intervalMs,
      timeoutMs: input.timeoutMs,
    }),
  graphite: (input) => {
    // As Flagger: with a Secret, both username and password are required.
    const auth = input.template.spec.provider.secretRef
      ? {
          username: secretKey(input, "username", true),
          password: secretKey(input, "password", true),
        }
      : undefined;
    return graphiteProvider({
      address: address(input),
      ...(auth ? { auth } : {}),
      insecureSkipVerify:
        input.template.spec.provider.insecureSkipVerify ?? false,
      timeoutMs: input.timeoutMs,
    });
  },
  influxdb: (input) => {
    const withSecret = input.template.spec.provider.secretRef !== undefined;
    return influxDbProvider({
      address: address(input),
      ...(withSecret
        ? {
            token: secretKey(input, "token", true),
            org: secretKey(input, "org", true),
          }
        : {}),
      timeoutMs: input.timeoutMs,
    });
  },
  stackdriver: (input) => {
    const json = secretKey(input, "serviceAccountKey");
    let key: ServiceAccountKey | undefined;
    if (json !== undefined) {
      try {
        key = JSON.parse(json) as ServiceAccountKey;
      } catch {
        key = undefined;
      }
      if (!key?.client_email || !key.private_key)
        throw new SiskinError(
          "CONFIG",
          `MetricTemplate ${input.template.namespace}/${input.template.name}: the Secret's serviceAccountKey is not a service account's JSON key (client_email, private_key)`,
        );
    }
    return stackdriverProvider({
      ...(input.template.spec.provider.address
        ? { address: input.template.spec.provider.address }
        : {}),
      project: secretKey(input, "project", true),
      ...(key ? { key } : {}),
      timeoutMs: input.timeoutMs,
    });
  },
  splunk: (input) =>
    splunkProvider({
      address: address(input),
      token: secretKey(input, "sf_token_key", true),
      intervalMs: input.intervalMs,
      timeoutMs: input.timeoutMs,
    }),
  externalmetrics: (input) => {
    const address = input.template.spec.provider.address;
    const token = secretKey(input, "token");
    return externalMetricsProvider({
      ...(address ? { address } : {}),
      ...(token ? { token } : {}),
      insecureSkipVerify:
        input.template.spec.provider.insecureSkipVerify ?? false,
      ...(input.kube ? { kube: input.kube } : {}),
      timeoutMs: input.timeoutMs,
    });
  },
  keptn: () => {
    throw new SiskinError(
      "CONFIG",
      "provider type keptn is not supported: the Keptn project is archived and its metrics API is gone; query the backend Keptn read from (Prometheus, Datadog, Dynatrace) with a MetricTemplate of that type",
    );
  },
} satisfies Record<(typeof metricProviderTypes)[number], ProviderFactory>;

export function templateProvider(input: ProviderInput): MetricProvider {
  const factory: ProviderFactory | undefined =
    metricProviders[input.template.spec.provider.type];
  if (!factory)
    throw new SiskinError(
      "CONFIG",
      `unknown metric provider ${String(input.template.spec.provider.type)}`,
    );
  return factory(input);
}
