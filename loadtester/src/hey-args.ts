// hey's command line (github.com/rakyll/hey), parsed into a load plan so manifests written for
// flagger-loadtester run here without a hey binary. Unsupported flags are refused by name.
import { parseDuration } from "../../src/util/durations.ts";
import { defaultLimits, type LoadTesterLimits } from "./limits.ts";

export interface LoadPlan {
  url: string;
  method: string;
  /** Total requests when no duration is given (hey -n, default 200). */
  requests: number;
  /** Run for this long instead of a request count (hey -z). */
  durationMs?: number;
  /** Workers (hey -c, default 50). */
  concurrency: number;
  /** Requests per second per worker; 0 = as fast as possible (hey -q). */
  ratePerWorker: number;
  headers: Record<string, string>;
  body?: string;
  /** Per-request timeout (hey -t seconds, default 20; 0 = none). */
  timeoutMs: number;
  keepAlive: boolean;
}

export type ParseResult =
  { ok: true; plan: LoadPlan } | { ok: false; error: string };

const valueFlags = new Set([
  "z",
  "n",
  "c",
  "q",
  "m",
  "H",
  "host",
  "d",
  "t",
  "T",
  "A",
  "a",
  "o",
  "x",
  "cpus",
]);
const boolFlags = new Set([
  "disable-keepalive",
  "disable-compression",
  "disable-redirects",
  "h2",
]);

/** Splits a command line into words, honouring single and double quotes. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let word = "";
  let last = -1;
  for (const m of command.matchAll(pattern)) {
    const piece =
      m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3] ?? "");
    // Adjacent pieces without whitespace between them form one word (-H'X: y').
    if (m.index === last) word += piece;
    else {
      if (last !== -1) words.push(word);
      word = piece;
    }
    last = m.index + m[0].length;
  }
  if (last !== -1) words.push(word);
  return words;
}

// RFC 9110 tokens (methods, header names) and field values as Node's HTTP client accepts them: what
// Node would throw on while sending is refused here, before the task is accepted.
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/;

type Limits = Pick<
  LoadTesterLimits,
  "maxConcurrency" | "maxRequests" | "maxDurationMs" | "maxRequestTimeoutMs"
>;

/** The URL hey would request, or why it cannot be requested. */
function checkUrl(url: string | undefined): string | undefined {
  const usage = "hey needs a URL starting with http:// or https://";
  if (!url || !/^https?:\/\//i.test(url)) return usage;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `hey URL "${url}" is not a valid URL`;
  }
  if (!parsed.hostname) return `hey URL "${url}" has no host`;
  return undefined;
}

/** Headers from -H, -host, -T, -A and -a, or the first one that cannot be sent. */
function headersOf(
  values: Record<string, string[]>,
  one: (name: string) => string | undefined,
): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const h of values.H ?? []) {
    const at = h.indexOf(":");
    const name = h.slice(0, at).trim();
    if (at <= 0 || !token.test(name))
      return `hey -H "${name || h}: ..." is not "Name: value" with a header name of letters, digits and !#$%&'*+.^_\`|~-`;
    const value = h.slice(at + 1).trim();
    if (!fieldValue.test(value))
      return `hey -H "${name}: ..." has a control character in its value`;
    headers[name.toLowerCase()] = value;
  }
  const extra: [string, string][] = [
    ["host", "host"],
    ["T", "content-type"],
    ["A", "accept"],
  ];
  for (const [flag, header] of extra) {
    const value = one(flag);
    if (value === undefined || value === "") continue;
    if (!fieldValue.test(value))
      return `hey -${flag} has a control character in its value`;
    headers[header] = value;
  }
  const auth = one("a");
  if (auth)
    headers.authorization = `Basic ${Buffer.from(auth).toString("base64")}`;
  return headers;
}

export function parseHey(
  command: string,
  limits: Limits = defaultLimits,
): ParseResult {
  const words = shellWords(command);
  if (words[0] !== "hey") return { ok: false, error: "not a hey command" };
  const values: Record<string, string[]> = {};
  let url: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? "";
    if (!word.startsWith("-")) {
      if (url)
        return {
          ok: false,
          error: `unexpected argument "${word}" after the URL`,
        };
      url = word;
      continue;
    }
    const name = word.replace(/^--?/, "");
    if (boolFlags.has(name)) {
      (values[name] ??= []).push("true");
      continue;
    }
    if (!valueFlags.has(name))
      return { ok: false, error: `hey flag -${name} is not supported` };
    const value = words[++i];
    if (value === undefined)
      return { ok: false, error: `hey flag -${name} needs a value` };
    (values[name] ??= []).push(value);
  }
  const urlProblem = checkUrl(url);
  if (urlProblem || !url) return { ok: false, error: urlProblem ?? "" };
  if (values.x || values.o?.some((o) => o !== "csv"))
    return {
      ok: false,
      error: "hey flags -x (proxy) and -o other than csv are not supported",
    };
  const one = (name: string): string | undefined => values[name]?.at(-1);
  const int = (name: string, fallback: number): number => {
    const raw = one(name);
    return raw === undefined ? fallback : Number(raw);
  };
  const requests = int("n", 200);
  const concurrency = int("c", 50);
  const rate = Number(one("q") ?? 0);
  const timeoutSeconds = Number(one("t") ?? 20);
  const z = one("z");
  const durationMs = z === undefined ? undefined : parseDuration(z);
  if (z !== undefined && (durationMs === undefined || durationMs <= 0))
    return {
      ok: false,
      error: `hey -z "${z}" is not a duration like 2m or 30s`,
    };
  for (const [flag, n] of [
    ["n", requests],
    ["c", concurrency],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      return { ok: false, error: `hey -${flag} must be a positive integer` };
  }
  if (!Number.isFinite(rate) || rate < 0)
    return { ok: false, error: "hey -q must be a number >= 0" };
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)
    return { ok: false, error: "hey -t must be a number of seconds >= 0" };
  if (durationMs === undefined && requests < concurrency)
    return { ok: false, error: "hey -n cannot be less than -c" };
  const over = [
    ["-c", concurrency, limits.maxConcurrency, "--max-concurrency", ""],
    ["-n", requests, limits.maxRequests, "--max-requests", ""],
    ["-z", durationMs ?? 0, limits.maxDurationMs, "--max-duration", " ms"],
    [
      "-t",
      timeoutSeconds * 1000,
      limits.maxRequestTimeoutMs,
      "--max-request-timeout",
      " ms",
    ],
  ] as const;
  for (const [flag, value, max, limitFlag, unit] of over)
    if (value > max)
      return {
        ok: false,
        error: `hey ${flag} asks for ${value}${unit}, over this load tester's ${limitFlag} of ${max}${unit}`,
      };
  const method = (one("m") ?? "GET").toUpperCase();
  if (!token.test(method) || method.length > 32)
    return { ok: false, error: `hey -m "${method}" is not an HTTP method` };
  const headers = headersOf(values, one);
  if (typeof headers === "string") return { ok: false, error: headers };
  const body = one("d");
  return {
    ok: true,
    plan: {
      url,
      method,
      requests,
      ...(durationMs !== undefined ? { durationMs } : {}),
      concurrency,
      ratePerWorker: rate,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: timeoutSeconds * 1000,
      keepAlive: !values["disable-keepalive"],
    },
  };
}
