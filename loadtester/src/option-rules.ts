// Options of the allow-listed programs that read, write or send local files, refused by name, so the
// seed's `curl -sd 'test' http://podinfo-canary:9898/token | grep token` runs and a token file cannot
// leave the pod. A rule returns why a command is refused, or undefined. Programs without a rule (for
// example a "helm test" prefix added with --allow-command) are checked by the allow-list alone.

type Rule = (args: string[]) => string | undefined;

const refusedOption = (name: string, why: string) =>
  `${name} is not allowed (${why}); the load tester does not read, write or send its own files`;

/** curl's short options that take a value (the rest of the word or the next word). */
const curlShortWithValue = new Set("AbcCdDeEFHKmoPQrtTuUwxXyYz");
/** Short options that touch local files, whatever their value. */
const curlShortRefused: Record<string, string> = {
  o: "writes a file",
  O: "writes a file",
  T: "uploads a file",
  K: "reads a config file",
  D: "writes the headers to a file",
  c: "writes a cookie jar",
  n: "reads .netrc",
  E: "reads a certificate file",
  J: "writes a file",
};
const curlLongRefused: Record<string, string> = {
  "--output": "writes a file",
  "--output-dir": "writes files",
  "--remote-name": "writes a file",
  "--remote-name-all": "writes files",
  "--remote-header-name": "writes a file",
  "--create-dirs": "writes directories",
  "--upload-file": "uploads a file",
  "--config": "reads a config file",
  "--dump-header": "writes a file",
  "--cookie-jar": "writes a cookie jar",
  "--netrc": "reads .netrc",
  "--netrc-file": "reads a file",
  "--netrc-optional": "reads .netrc",
  "--trace": "writes a file",
  "--trace-ascii": "writes a file",
  "--stderr": "writes a file",
  "--libcurl": "writes a file",
  "--unix-socket": "reaches a local socket",
  "--abstract-unix-socket": "reaches a local socket",
  "--etag-save": "writes a file",
  "--etag-compare": "reads a file",
  "--hsts": "reads and writes a file",
  "--alt-svc": "reads and writes a file",
  "--cert": "reads a file",
  "--key": "reads a file",
  "--cacert": "reads a file",
  "--capath": "reads files",
  "--crlfile": "reads a file",
  "--variable": "can read a file",
  "--engine": "loads a crypto engine",
};
/** Long options whose value is the next word (when not given with =). */
const curlLongWithValue = new Set([
  "--data",
  "--data-ascii",
  "--data-binary",
  "--data-raw",
  "--data-urlencode",
  "--json",
  "--form",
  "--form-string",
  "--header",
  "--proxy-header",
  "--user",
  "--request",
  "--url",
  "--user-agent",
  "--referer",
  "--max-time",
  "--connect-timeout",
  "--proxy",
  "--retry",
  "--write-out",
  "--cookie",
  "--resolve",
  "--connect-to",
  "--url-query",
  "--range",
  "--retry-delay",
  "--retry-max-time",
  "--limit-rate",
  "--max-filesize",
  "--interface",
  "--proto",
  "--proto-redir",
  "--expect100-timeout",
  "--keepalive-time",
  "--noproxy",
  "--proxy-user",
  "--oauth2-bearer",
  "--aws-sigv4",
  "--tls-max",
  "--ciphers",
  ...Object.keys(curlLongRefused),
]);

/** Values that name a local file: @file for data and headers, <file for forms, no '=' for cookies. */
function fileValue(option: string, value: string): string | undefined {
  const data = [
    "-d",
    "--data",
    "--data-ascii",
    "--data-binary",
    "--json",
    "--url-query",
  ];
  if (data.includes(option) && value.startsWith("@"))
    return refusedOption(`${option} @file`, "sends a local file");
  if (option === "--data-urlencode" && /^[^=]*@/.test(value))
    return refusedOption(`${option} name@file`, "sends a local file");
  if ((option === "-F" || option === "--form") && /=\s*[@<]/.test(value))
    return refusedOption(`${option} name=@file`, "sends a local file");
  if (
    ["-H", "--header", "--proxy-header", "-w", "--write-out"].includes(
      option,
    ) &&
    value.startsWith("@")
  )
    return refusedOption(`${option} @file`, "reads a local file");
  if ((option === "-b" || option === "--cookie") && !value.includes("="))
    return refusedOption(`${option} <file>`, "reads a cookie file");
  if (option === "--url") return url(value);
  return undefined;
}

/** Only http and https: file://, gopher://, dict://, ... would reach what the pod can read. */
function url(value: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (!scheme || scheme === "http" || scheme === "https") return undefined;
  // host:port (curl assumes http) looks like a scheme without "//".
  if (!value.includes("//") && /^[^:]+:\d+/.test(value)) return undefined;
  return `the URL scheme ${scheme}: is not allowed; use http or https`;
}

const curl: Rule = (args) => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) {
        const problem = url(rest);
        if (problem) return problem;
      }
      return undefined;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (curlLongRefused[name])
        return refusedOption(name, curlLongRefused[name]);
      if (curlLongWithValue.has(name)) {
        const value = eq > 0 ? arg.slice(eq + 1) : (args[++i] ?? "");
        const problem = fileValue(name, value);
        if (problem) return problem;
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j] ?? "";
        const why = curlShortRefused[flag];
        if (why) return refusedOption(`-${flag}`, why);
        if (curlShortWithValue.has(flag)) {
          const value =
            j + 1 < arg.length ? arg.slice(j + 1) : (args[++i] ?? "");
          const problem = fileValue(`-${flag}`, value);
          if (problem) return problem;
          break;
        }
      }
      continue;
    }
    const problem = url(arg);
    if (problem) return problem;
  }
  return undefined;
};

const grepShortWithValue = new Set("efmABCdD");
const grepRefused: Record<string, string> = {
  "-r": "reads directories",
  "-R": "reads directories",
  "--recursive": "reads directories",
  "--dereference-recursive": "reads directories",
  "-f": "reads patterns from a file",
  "--file": "reads patterns from a file",
  "-d": "can read directories",
  "--directories": "can read directories",
  "-D": "can read devices",
  "--devices": "can read devices",
  "--include": "selects files to read",
  "--exclude": "selects files to read",
  "--exclude-from": "reads a file",
  "--exclude-dir": "selects directories to read",
};

/** grep filters its input only: no recursion, no pattern files, no file operands. */
const grep: Rule = (args) => {
  let pattern = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      const operands = args.slice(i + 1).slice(pattern ? 0 : 1);
      return operands.length > 0 ? grepOperand(operands[0] ?? "") : undefined;
    }
    if (arg.startsWith("--")) {
      const name = arg.split("=")[0] ?? arg;
      if (grepRefused[name]) return refusedOption(name, grepRefused[name]);
      if (name === "--regexp") {
        pattern = true;
        if (!arg.includes("=")) i++;
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j] ?? "";
        const why = grepRefused[`-${flag}`];
        if (why) return refusedOption(`-${flag}`, why);
        if (grepShortWithValue.has(flag)) {
          if (flag === "e") pattern = true;
          if (j + 1 === arg.length) i++;
          break;
        }
      }
      continue;
    }
    if (!pattern) {
      pattern = true;
      continue;
    }
    return grepOperand(arg);
  }
  return undefined;
};

const grepOperand = (file: string) =>
  `grep ${file}: grep may only filter the output of the command before it (no file operands)`;

export const optionRules = { curl, grep } satisfies Record<string, Rule>;
