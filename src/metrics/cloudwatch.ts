// Amazon CloudWatch: the query is a JSON array of MetricDataQuery; GetMetricData over the last
// 10 x interval; the value is the first value of the first result. Credentials come from the standard
// AWS chain (environment, IRSA web identity, instance profile); `address` overrides the endpoint.
import type * as CloudWatchSdk from "@aws-sdk/client-cloudwatch";
import type {
  CloudWatchClient,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { SiskinError } from "../util/errors.ts";
import type { MetricProvider } from "./types.ts";

export interface CloudWatchOptions {
  region: string;
  endpoint?: string;
  intervalMs: number;
  now?: () => Date;
}

export function parseMetricDataQueries(query: string): MetricDataQuery[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch (error) {
    throw new SiskinError(
      "PROVIDER_QUERY",
      `CloudWatch query is not JSON: ${(error as Error).message}; write a JSON array of MetricDataQuery`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new SiskinError(
      "PROVIDER_QUERY",
      "CloudWatch query must be a non-empty JSON array of MetricDataQuery",
    );
  }
  return parsed as MetricDataQuery[];
}

// The AWS SDK is loaded on first use: most installations never query CloudWatch, and loading it
// costs the operator several MiB of resident memory.
type Sdk = typeof CloudWatchSdk;
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> =>
  (sdk ??= import("@aws-sdk/client-cloudwatch"));

export function cloudwatchProvider(options: CloudWatchOptions): MetricProvider {
  let client: Promise<CloudWatchClient> | undefined;
  const clientOf = () =>
    (client ??= loadSdk().then(
      ({ CloudWatchClient }) =>
        new CloudWatchClient({
          region: options.region,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          maxAttempts: 2,
        }),
    ));
  const now = options.now ?? (() => new Date());
  const describe = (error: unknown): SiskinError => {
    const e = error as {
      name?: string;
      message?: string;
      $metadata?: { httpStatusCode?: number };
    };
    const status = e.$metadata?.httpStatusCode;
    const where = `CloudWatch in ${options.region}${options.endpoint ? ` at ${options.endpoint}` : ""}`;
    if (
      status === 401 ||
      status === 403 ||
      /credential|signature|security token|not authorized/i.test(
        `${e.name} ${e.message}`,
      )
    ) {
      return new SiskinError(
        "PROVIDER_QUERY",
        `${where} refused the credentials: ${e.name}: ${e.message}`,
      );
    }
    if (status === undefined) {
      return new SiskinError(
        "PROVIDER_UNAVAILABLE",
        `${where} is unreachable: ${e.message}`,
        { retriable: true },
      );
    }
    return new SiskinError(
      "PROVIDER_QUERY",
      `${where} rejected the query (HTTP ${status}): ${e.name}: ${e.message}`,
    );
  };
  return {
    async query(query, signal) {
      const queries = parseMetricDataQueries(query);
      const end = now();
      const start = new Date(end.getTime() - 10 * options.intervalMs);
      const { GetMetricDataCommand } = await loadSdk();
      try {
        const result = await (
          await clientOf()
        ).send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
          }),
          {
            abortSignal: signal,
          },
        );
        return result.MetricDataResults?.[0]?.Values?.[0];
      } catch (error) {
        throw describe(error);
      }
    },
    async isOnline(signal) {
      const { ListMetricsCommand } = await loadSdk();
      try {
        await (
          await clientOf()
        ).send(new ListMetricsCommand({}), { abortSignal: signal });
        return true;
      } catch {
        return false;
      }
    },
  };
}
