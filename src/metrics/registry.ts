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
import type { MetricProvider } from "./types.ts";

export interface ProviderInput {
  template: { namespace: string; name: string; spec: MetricTemplateSpec };
  /** Decoded data of provider.secretRef, or undefined when the template names no Secret. */
  secret: Record<string, string> | undefined;
  intervalMs: number;
  timeoutMs: number;
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
      ...(input.template.spec.provider.headers
        ? { headers: input.template.spec.provider.headers }
        : {}),
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
