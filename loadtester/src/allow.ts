// Which commands the load tester may run. Arbitrary shell is off by default: a command is split into
// the simple commands of its pipelines and lists (|, ||, &&, ;, newlines), and each one must start
// with an allowed prefix. Anything that could smuggle in another command (substitution, redirection,
// background jobs, subshells) is refused outright. --allow-any-command turns the check off.

export interface CommandPolicy {
  /** Allowed prefixes, whole words: "hey", "curl", "helm test". */
  prefixes: readonly string[];
  allowAny: boolean;
}

export type PolicyVerdict = { ok: true } | { ok: false; reason: string };

const forbidden: [RegExp, string][] = [
  [/\$\(|`/, "command substitution ($(...) or backticks)"],
  [/\$\{/, "parameter expansion (${...})"],
  [/[<>]/, "redirection (< or >)"],
  [/[()]/, "subshells or grouping (parentheses)"],
];

/** Splits outside quotes on | || && ; & and newlines; returns the segments and the bare '&' count. */
export function splitCommand(command: string): {
  segments: string[];
  background: boolean;
  unquoted: string;
} {
  const segments: string[] = [];
  let current = "";
  let unquoted = "";
  let quote: "'" | '"' | undefined;
  let background = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] ?? "";
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
      // Inside double quotes the shell still expands $( and backticks: keep them visible to the check.
      else if (quote === '"' && (ch === "$" || ch === "`"))
        unquoted += ch === "`" ? "`" : command.slice(i, i + 2);
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
      continue;
    }
    if (ch === "\\") {
      current += command.slice(i, i + 2);
      i++;
      continue;
    }
    const two = command.slice(i, i + 2);
    if (two === "||" || two === "&&") {
      segments.push(current);
      current = "";
      i++;
      continue;
    }
    if (ch === "&") background = true;
    if (ch === "|" || ch === ";" || ch === "\n" || ch === "&") {
      segments.push(current);
      current = "";
      continue;
    }
    current += ch;
    unquoted += ch;
  }
  segments.push(current);
  return {
    segments: segments.map((s) => s.trim()).filter(Boolean),
    background,
    unquoted,
  };
}

function startsWithPrefix(segment: string, prefix: string): boolean {
  const words = segment.split(/\s+/);
  const wanted = prefix.trim().split(/\s+/);
  return wanted.every((w, i) => words[i] === w);
}

export function checkCommand(
  command: string,
  policy: CommandPolicy,
): PolicyVerdict {
  if (!command.trim()) return { ok: false, reason: "metadata.cmd is empty" };
  if (policy.allowAny) return { ok: true };
  const { segments, background, unquoted } = splitCommand(command);
  if (background)
    return { ok: false, reason: "background jobs (&) are not allowed" };
  for (const [pattern, what] of forbidden) {
    if (pattern.test(unquoted))
      return {
        ok: false,
        reason: `${what} is not allowed; run it with --allow-any-command or simplify the command`,
      };
  }
  for (const segment of segments) {
    if (!policy.prefixes.some((p) => startsWithPrefix(segment, p))) {
      const first = segment.split(/\s+/).slice(0, 2).join(" ");
      return {
        ok: false,
        reason: `"${first}" is not in the allow-list (${policy.prefixes.join(", ") || "empty"}); add its prefix with --allow-command`,
      };
    }
  }
  return { ok: true };
}
