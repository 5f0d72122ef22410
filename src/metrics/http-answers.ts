// The errors the HTTP metric providers (Prometheus, Datadog) share, worded once: an address that does
// not answer, an answer over the size bound, a redirect (never followed: the credentials would go
// along to another host). Addresses are shown without userinfo.
import { SiskinError } from "../util/errors.ts";
import { withoutUserinfo } from "../util/urls.ts";

export function unreachable(
  provider: string,
  address: string,
  error: unknown,
): SiskinError {
  const message = (error as Error).message;
  const tooLarge = /maxContentLength/.test(message);
  return new SiskinError(
    tooLarge ? "PROVIDER_QUERY" : "PROVIDER_UNAVAILABLE",
    tooLarge
      ? `${provider} at ${withoutUserinfo(address)} answered more than 1 MiB; narrow the query to a single value`
      : `${provider} at ${withoutUserinfo(address)} is unreachable: ${withoutUserinfo(message)}`,
    { cause: error, retriable: !tooLarge },
  );
}

/** A redirect answer as an error naming where it points, or undefined for any other status. */
export function redirected(
  provider: string,
  address: string,
  status: number,
  location: unknown,
): SiskinError | undefined {
  if (status < 300 || status >= 400) return undefined;
  return new SiskinError(
    "PROVIDER_QUERY",
    `${provider} at ${withoutUserinfo(address)} answered with a redirect (HTTP ${status}${typeof location === "string" ? ` to ${withoutUserinfo(location)}` : ""}); redirects are not followed, so the credentials stay with the address you set: set the address to where it points`,
  );
}
