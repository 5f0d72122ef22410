// A task's command as logs may show it: header values, credentials and URL userinfo replaced, so a
// token in `hey -H "Authorization: Bearer ..."` or `curl -u user:pass` never reaches a log line.
// Read with the same tokenizer as the command policy; what cannot be parsed is not logged at all.
import { parse } from "shell-quote";

/** A word as a shell reads it back: bare when plain, else single-quoted. */
const quoteWord = (word: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replace(/'/g, `'\\''`)}'`;

const censor = "[redacted]";
/** Long options whose value is a header: the name stays (it says what was sent), the value goes. */
const headerOptions = new Set(["--header", "--proxy-header"]);
/** Long options whose whole value is a secret (curl folds case, so names are compared lowercased). */
const secretOptions = new Set([
  "--user",
  "--proxy-user",
  "--oauth2-bearer",
  "--cookie",
  "--pass",
  "--aws-sigv4",
]);

const header = (value: string): string => {
  const at = value.indexOf(":");
  return at > 0 ? `${value.slice(0, at)}: ${censor}` : censor;
};

const withoutUserinfo = (word: string): string =>
  word.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${censor}@`);

/** Short options curl reads a header or a secret from, in a cluster like -sH or -uuser:pass. */
const secretShort = new Set(["H", "u", "U", "b"]);

/** hey is Go's flag package: -name, --name, -name=value; no clusters. */
function goFlag(word: string): { name: string; value?: string } | undefined {
  const m = /^--?([A-Za-z0-9-]+)(?:=(.*))?$/s.exec(word);
  if (!m) return undefined;
  return { name: m[1] ?? "", ...(m[2] !== undefined ? { value: m[2] } : {}) };
}

function redactHey(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    const flag = goFlag(word);
    const kind =
      flag?.name === "H" ? "header" : flag?.name === "a" ? "secret" : undefined;
    if (!flag || !kind) {
      out.push(withoutUserinfo(word));
      continue;
    }
    const hide = kind === "header" ? header : () => censor;
    if (flag.value !== undefined)
      out.push(`${word.slice(0, word.indexOf("="))}=${hide(flag.value)}`);
    else if (i + 1 < words.length) out.push(word, hide(words[++i] ?? ""));
    else out.push(word);
  }
  return out;
}

function redactCurlLike(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? "";
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = (eq > 0 ? word.slice(0, eq) : word).toLowerCase();
      const kind = headerOptions.has(name)
        ? header
        : secretOptions.has(name)
          ? () => censor
          : undefined;
      if (kind && eq > 0)
        out.push(`${word.slice(0, eq)}=${kind(word.slice(eq + 1))}`);
      else if (kind && i + 1 < words.length)
        out.push(word, kind(words[++i] ?? ""));
      else out.push(withoutUserinfo(word));
      continue;
    }
    const cluster = /^-([A-Za-z]+)(.*)$/s.exec(word);
    const letters = cluster?.[1] ?? "";
    const at = [...letters].findIndex((l) => secretShort.has(l));
    if (!cluster || at < 0) {
      out.push(withoutUserinfo(word));
      continue;
    }
    const hide = letters[at] === "H" ? header : () => censor;
    const rest = word.slice(2 + at);
    if (rest) out.push(`${word.slice(0, 2 + at)}${hide(rest)}`);
    else if (i + 1 < words.length) out.push(word, hide(words[++i] ?? ""));
    else out.push(word);
  }
  return out;
}

const redactWords = (words: string[]): string[] =>
  words[0] === "hey" ? redactHey(words) : redactCurlLike(words);

/** The command with its secrets replaced, for logs. */
export function redactCommand(command: string): string {
  let tokens: ReturnType<typeof parse>;
  try {
    tokens = parse(command, (name) => `$${name}`);
  } catch {
    return censor;
  }
  const parts: string[] = [];
  let words: string[] = [];
  const flush = () => {
    if (words.length > 0)
      parts.push(redactWords(words).map(quoteWord).join(" "));
    words = [];
  };
  for (const token of tokens) {
    if (typeof token === "string") {
      words.push(token);
      continue;
    }
    flush();
    if ("op" in token)
      parts.push(token.op === "glob" ? quoteWord(token.pattern) : token.op);
    else parts.push("#...");
  }
  flush();
  return parts.join(" ");
}
