// Google Cloud Monitoring with a service account key: a local server plays Google's token endpoint
// (it verifies the RS256 assertion with the key's public half, as Google does) and the Monitoring API
// (timeSeries:query with the bearer token it issued). The key's token_uri points at it.
import { createVerify, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../../../dev/services/http-recorder.ts";
import { templateProvider } from "../registry.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
});
let google: HttpRecorder;
let series: unknown = {};
let tokensIssued = 0;

function verifyAssertion(
  assertion: string,
): Record<string, unknown> | undefined {
  const [header, claims, signature] = assertion.split(".");
  const verifier = createVerify("RSA-SHA256");
  verifier.update(`${header}.${claims}`);
  if (!verifier.verify(publicKey, signature ?? "", "base64url"))
    return undefined;
  return JSON.parse(
    Buffer.from(claims ?? "", "base64url").toString(),
  ) as Record<string, unknown>;
}

beforeAll(async () => {
  google = await new HttpRecorder().start();
  google.respond = (r) => {
    if (r.path === "/token") {
      const form = new URLSearchParams(r.body);
      const claims = verifyAssertion(form.get("assertion") ?? "");
      if (
        form.get("grant_type") !==
          "urn:ietf:params:oauth:grant-type:jwt-bearer" ||
        !claims
      )
        return {
          status: 400,
          body: JSON.stringify({ error: "invalid_grant" }),
        };
      expect(claims).toMatchObject({
        iss: "siskin@project.iam.gserviceaccount.com",
        scope: "https://www.googleapis.com/auth/monitoring.read",
        aud: `${google.url}/token`,
      });
      tokensIssued += 1;
      return {
        status: 200,
        body: JSON.stringify({
          access_token: "ya29.local",
          expires_in: 3599,
          token_type: "Bearer",
        }),
      };
    }
    if (r.path === "/v3/projects/shop-prod/timeSeries:query") {
      if (r.headers.authorization !== "Bearer ya29.local")
        return {
          status: 401,
          body: JSON.stringify({
            error: {
              code: 401,
              message: "Request had invalid authentication credentials.",
            },
          }),
        };
      return { status: 200, body: JSON.stringify(series) };
    }
    return { status: 404 };
  };
});
afterAll(() => google.stop());

const provider = (serviceAccountKey?: string) =>
  templateProvider({
    template: {
      namespace: "apps",
      name: "gcm",
      spec: {
        provider: {
          type: "stackdriver",
          address: google.url,
          secretRef: { name: "gcp" },
        },
        query: "q",
      },
    },
    secret: {
      project: "shop-prod",
      ...(serviceAccountKey !== undefined ? { serviceAccountKey } : {}),
    },
    intervalMs: 60_000,
    timeoutMs: 2000,
  });
const key = () =>
  JSON.stringify({
    type: "service_account",
    client_email: "siskin@project.iam.gserviceaccount.com",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
    token_uri: `${google.url}/token`,
  });
const signal = () => AbortSignal.timeout(3000);

describe("stackdriver (Cloud Monitoring)", () => {
  it("exchanges a signed assertion for a token, once, and reads the first point of the MQL answer", async () => {
    const mql =
      "fetch k8s_container | metric 'kubernetes.io/container/restart_count' | within 5m | sum";
    series = {
      timeSeriesData: [{ pointData: [{ values: [{ doubleValue: 0.97 }] }] }],
    };
    const gcm = provider(key());
    expect(await gcm.query(mql, signal())).toBe(0.97);
    series = {
      timeSeriesData: [{ pointData: [{ values: [{ int64Value: "3" }] }] }],
    };
    expect(await gcm.query(mql, signal())).toBe(3);
    expect(tokensIssued).toBe(1);
    const asked = google.requests
      .filter((r) => r.path.endsWith("timeSeries:query"))
      .at(-1)!;
    expect(JSON.parse(asked.body)).toEqual({ query: mql });
  });

  it("no series is no data; a key Google refuses and a broken key are errors that say so", async () => {
    series = {};
    expect(await provider(key()).query("q", signal())).toBeUndefined();
    const stranger = generateKeyPairSync("rsa", {
      modulusLength: 2048,
    }).privateKey;
    const wrong = JSON.stringify({
      ...JSON.parse(key()),
      private_key: stranger.export({ type: "pkcs8", format: "pem" }),
    });
    await expect(provider(wrong).query("q", signal())).rejects.toThrow(
      /Google's token endpoint rejected the query \(HTTP 400\): .*invalid_grant/,
    );
    expect(() => provider("{not json")).toThrow(
      /serviceAccountKey is not a service account's JSON key/,
    );
  });
});
