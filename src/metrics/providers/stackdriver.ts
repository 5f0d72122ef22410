// Google Cloud Monitoring (Flagger's "stackdriver"), as Flagger's client calls it: the query (MQL) to
// timeSeries:query of projects/<project>, the first value of the first point of the first series; none
// is "no data". Credentials: the Secret's serviceAccountKey (a service account's JSON key), exchanged at
// its token_uri for an access token (a JWT signed with its private key, scope monitoring.read); without
// one, the GKE metadata server's token (workload identity), as Google's client libraries do.
import { createSign } from "node:crypto";
import { SiskinError } from "../../util/errors.ts";
import { finiteOrNoData, httpCall, jsonAnswer } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export const monitoringDefaultAddress = "https://monitoring.googleapis.com";
const metadataTokenUrl =
  "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";
const scope = "https://www.googleapis.com/auth/monitoring.read";

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export interface StackdriverOptions {
  address?: string;
  project: string;
  key?: ServiceAccountKey;
  timeoutMs: number;
  now?: () => Date;
}

interface Answer {
  timeSeriesData?: {
    pointData?: {
      values?: { doubleValue?: number; int64Value?: string }[];
    }[];
  }[];
}

const base64url = (data: string | Buffer) =>
  Buffer.from(data).toString("base64url");

/** The signed assertion of RFC 7523 that Google's token endpoint exchanges for an access token. */
export function serviceAccountAssertion(
  key: ServiceAccountKey,
  now: Date,
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const claims = base64url(
    JSON.stringify({
      iss: key.client_email,
      scope,
      aud: key.token_uri ?? "https://oauth2.googleapis.com/token",
      iat,
      exp: iat + 3600,
    }),
  );
  const signer = createSign("RSA-SHA256");
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${signer.sign(key.private_key, "base64url")}`;
}

export function stackdriverProvider(
  options: StackdriverOptions,
): MetricProvider {
  const address = (options.address ?? monitoringDefaultAddress).replace(
    /\/+$/,
    "",
  );
  const now = options.now ?? (() => new Date());
  let token: { value: string; until: number } | undefined;
  const accessToken = async (signal: AbortSignal): Promise<string> => {
    if (token && token.until > now().getTime()) return token.value;
    const key = options.key;
    const text = key
      ? await httpCall({
          provider: "Google's token endpoint",
          address: key.token_uri ?? "https://oauth2.googleapis.com/token",
          url: key.token_uri ?? "https://oauth2.googleapis.com/token",
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
            assertion: serviceAccountAssertion(key, now()),
          }).toString(),
          timeoutMs: options.timeoutMs,
          signal,
        })
      : await httpCall({
          provider: "the GKE metadata server",
          address: metadataTokenUrl,
          url: metadataTokenUrl,
          headers: { "Metadata-Flavor": "Google" },
          timeoutMs: options.timeoutMs,
          signal,
        });
    const answer = jsonAnswer<{ access_token?: string; expires_in?: number }>(
      "Google's token endpoint",
      text,
    );
    if (!answer.access_token)
      throw new SiskinError(
        "PROVIDER_QUERY",
        "Google's token endpoint answered without an access_token",
      );
    // Renewed a minute before it expires.
    token = {
      value: answer.access_token,
      until: now().getTime() + ((answer.expires_in ?? 3600) - 60) * 1000,
    };
    return token.value;
  };
  const query = async (mql: string, signal: AbortSignal) =>
    jsonAnswer<Answer>(
      "Cloud Monitoring",
      await httpCall({
        provider: "Cloud Monitoring",
        address,
        url: `${address}/v3/projects/${encodeURIComponent(options.project)}/timeSeries:query`,
        method: "POST",
        headers: {
          Authorization: `Bearer ${await accessToken(signal)}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ query: mql }),
        timeoutMs: options.timeoutMs,
        signal,
      }),
    );
  return {
    async query(mql, signal) {
      const value = (await query(mql, signal)).timeSeriesData?.[0]
        ?.pointData?.[0]?.values?.[0];
      return finiteOrNoData(value?.doubleValue ?? value?.int64Value);
    },
    async isOnline(signal) {
      try {
        await accessToken(signal);
        return true;
      } catch {
        return false;
      }
    },
  };
}
