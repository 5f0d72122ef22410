// What curl may do in a load-tester task: a positive list of options (anything else is refused by the
// name curl would read it as), checks on the values that can name a local file, and options forced in
// front of the user's: no ~/.curlrc (-q, which only works first), no URL globbing, and only http and
// https, also after redirects. The Gloo tutorial's `curl -sd 'test' http://podinfo-canary:9898/token` passes.
import {
  curlFlagOptions,
  curlHiddenOptions,
  curlOptionsWithValue,
  curlShortOptions,
} from "./curl-options.ts";
import { normaliseArgs, type Arity, type OptionTable } from "./normalise.ts";
import type { ProgramPolicy } from "./policy.ts";

export const curlTable: OptionTable = {
  convention: "curl",
  long: new Map<string, Arity>([
    ...curlOptionsWithValue.map((n) => [n, "required"] as const),
    ...curlFlagOptions.map((n) => [n, "none"] as const),
    ...(Object.entries(curlHiddenOptions) as [string, Arity][]),
  ]),
  short: new Map(Object.entries(curlShortOptions)),
};

/** Put first on every curl command line. */
export const curlForcedArgs = [
  "-q",
  "--globoff",
  "--proto",
  "=http,https",
  "--proto-redir",
  "=http,https",
];

const noFileAfterAt = (what: string) => (value: string) =>
  value.startsWith("@") ? `${what} @file would send a local file` : undefined;
const any = () => undefined;

/** Allowed options with a value, and what their value may not be. */
const withValue: Record<string, (value: string) => string | undefined> = {
  data: noFileAfterAt("--data"),
  "data-ascii": noFileAfterAt("--data-ascii"),
  "data-binary": noFileAfterAt("--data-binary"),
  json: noFileAfterAt("--json"),
  "data-raw": any,
  "data-urlencode": (v) =>
    /^[^=]*@/.test(v)
      ? "--data-urlencode [name]@file would send a local file"
      : undefined,
  "url-query": (v) =>
    /^\+?[^=]*@/.test(v)
      ? "--url-query [name]@file would send a local file"
      : undefined,
  form: (v) =>
    /(^|[=;])\s*[@<]/.test(v)
      ? "--form name=@file or <file would send a local file (use --form-string)"
      : undefined,
  "form-string": any,
  header: noFileAfterAt("--header"),
  "proxy-header": noFileAfterAt("--proxy-header"),
  "write-out": (v) =>
    v.startsWith("@")
      ? "--write-out @file would read a local file"
      : /%output\{/.test(v)
        ? "--write-out %output{} would write a file"
        : undefined,
  cookie: (v) =>
    v.includes("=")
      ? undefined
      : "--cookie without name=value reads a cookie file",
  output: (v) =>
    v === "/dev/null"
      ? undefined
      : "--output may only be /dev/null (the load tester writes no files)",
  url: (v) => urlProblem(v),
  request: any,
  "user-agent": any,
  referer: any,
  user: any,
  "oauth2-bearer": any,
  "max-time": any,
  "connect-timeout": any,
  "expect100-timeout": any,
  "keepalive-time": any,
  retry: any,
  "retry-delay": any,
  "retry-max-time": any,
  "max-redirs": any,
  "max-filesize": any,
  "limit-rate": any,
  range: any,
  resolve: any,
  "connect-to": any,
};

const flags = new Set([
  "silent",
  "show-error",
  "fail",
  "fail-with-body",
  "fail-early",
  "location",
  "include",
  "head",
  "verbose",
  "insecure",
  "get",
  "compressed",
  "buffer",
  "keepalive",
  "progress-meter",
  "progress-bar",
  "http1.0",
  "http1.1",
  "http2",
  "http2-prior-knowledge",
  "ipv4",
  "ipv6",
  "globoff",
  "path-as-is",
  "retry-connrefused",
  "retry-all-errors",
  "raw",
  "tr-encoding",
  "basic",
  "digest",
  "anyauth",
]);
/** --no-<flag> only where turning it off changes nothing about what curl may reach. */
const negatable = new Set([...flags].filter((f) => f !== "globoff"));

/** Only http and https URLs (or a host with no scheme, which curl reads as http). */
export function urlProblem(value: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//
    .exec(value)?.[1]
    ?.toLowerCase();
  if (scheme !== undefined)
    return scheme === "http" || scheme === "https"
      ? undefined
      : `the URL scheme ${scheme}: is not allowed; use http or https`;
  // No scheme: curl reads it as http://<host>..., so it must start with a host name, an IPv4 address
  // or a bracketed IPv6 one; anything else (a glob, "@...", a path) is not a URL worth sending.
  if (
    /^([a-zA-Z0-9][a-zA-Z0-9.-]*|\[[0-9a-fA-F:.]+\])(:\d+)?([/?#]|$)/.test(
      value,
    )
  )
    return undefined;
  return `${value} is not an http or https URL; write it as http://host/...`;
}

export const curlPolicy: ProgramPolicy = (args) => {
  for (const arg of args) {
    // curl 8 reads --opt=value and --expand-opt; curl 7 refuses them. Neither is needed here.
    if (arg.startsWith("--") && (arg.includes("=") || /^--expand-/i.test(arg)))
      return {
        problem: `${arg.split("=")[0]}=...: write the value as the next word (--header 'X: y')`,
      };
    if (arg === "-") return { problem: `"-" (standard input) is not a URL` };
  }
  const read = normaliseArgs(args, curlTable);
  if ("problem" in read) return { problem: `curl: ${read.problem}` };
  for (const word of read.words) {
    if ("operand" in word) {
      const problem = urlProblem(word.operand);
      if (problem) return { problem };
      continue;
    }
    const name = `--${word.option}`;
    const as =
      word.spelled.toLowerCase() === name ||
      word.spelled === `--no-${word.option}`
        ? ""
        : ` (read as ${name})`;
    if (word.negated) {
      if (!negatable.has(word.option))
        return {
          problem: `${word.spelled}${as} is not allowed: it would turn off a safeguard or is not an on/off option`,
        };
      continue;
    }
    if (flags.has(word.option)) continue;
    const check = withValue[word.option];
    if (!check)
      return {
        problem: `${word.spelled}${as} is not allowed; curl here takes only options that send requests (see docs/loadtester.md)`,
      };
    const problem = check(word.value ?? "");
    if (problem) return { problem: `${problem}${as}` };
  }
  return { argv: ["curl", ...curlForcedArgs, ...args] };
};
