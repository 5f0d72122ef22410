// What grep may do in a load-tester task: filter the output of the command before it. A positive list of
// options read the way GNU grep's getopt_long reads them (unique prefixes, --opt=value, clustered short
// options, options after operands), and no file operands: only the pattern.
import { normaliseArgs, type Arity, type OptionTable } from "./normalise.ts";
import type { ProgramPolicy } from "./policy.ts";

/** GNU grep 3.8's long options and whether each takes a value (grep --help, plus its older aliases). */
const grepLong: Record<string, Arity> = {
  "after-context": "required",
  "basic-regexp": "none",
  "before-context": "required",
  binary: "none",
  "binary-files": "required",
  "byte-offset": "none",
  color: "optional",
  colour: "optional",
  context: "required",
  count: "none",
  "dereference-recursive": "none",
  devices: "required",
  directories: "required",
  exclude: "required",
  "exclude-dir": "required",
  "exclude-from": "required",
  "extended-regexp": "none",
  file: "required",
  "files-with-matches": "none",
  "files-without-match": "none",
  "fixed-regexp": "none",
  "fixed-strings": "none",
  "group-separator": "required",
  help: "none",
  "ignore-case": "none",
  include: "required",
  "initial-tab": "none",
  "invert-match": "none",
  label: "required",
  "line-buffered": "none",
  "line-number": "none",
  "line-regexp": "none",
  "max-count": "required",
  "no-filename": "none",
  "no-group-separator": "none",
  "no-ignore-case": "none",
  "no-messages": "none",
  null: "none",
  "null-data": "none",
  "only-matching": "none",
  "perl-regexp": "none",
  quiet: "none",
  recursive: "none",
  regexp: "required",
  silent: "none",
  text: "none",
  "unix-byte-offsets": "none",
  version: "none",
  "with-filename": "none",
  "word-regexp": "none",
  // grep's short options with no long name of their own:
  "context-digit": "none",
  "binary-without-match": "none",
  matcher: "required",
};

/** grep's short options ("0123456789A:B:C:D:EFGHIPTUVX:abcd:e:f:hiLlm:noqRrsuvwxyZz"). */
const grepShort: Record<string, string> = {
  ...Object.fromEntries([..."0123456789"].map((d) => [d, "context-digit"])),
  A: "after-context",
  B: "before-context",
  C: "context",
  D: "devices",
  E: "extended-regexp",
  F: "fixed-strings",
  G: "basic-regexp",
  H: "with-filename",
  I: "binary-without-match",
  P: "perl-regexp",
  T: "initial-tab",
  U: "binary",
  V: "version",
  X: "matcher",
  a: "text",
  b: "byte-offset",
  c: "count",
  d: "directories",
  e: "regexp",
  f: "file",
  h: "no-filename",
  i: "ignore-case",
  L: "files-without-match",
  l: "files-with-matches",
  m: "max-count",
  n: "line-number",
  o: "only-matching",
  q: "quiet",
  R: "dereference-recursive",
  r: "recursive",
  s: "no-messages",
  u: "unix-byte-offsets",
  v: "invert-match",
  w: "word-regexp",
  x: "line-regexp",
  y: "ignore-case",
  Z: "null",
  z: "null-data",
};

export const grepTable: OptionTable = {
  convention: "getopt",
  long: new Map(Object.entries(grepLong)),
  short: new Map(Object.entries(grepShort)),
  sameAs: new Map([
    ["colour", "color"],
    ["fixed-regexp", "fixed-strings"],
  ]),
};

const allowed = new Set([
  "after-context",
  "basic-regexp",
  "before-context",
  "binary",
  "binary-files",
  "binary-without-match",
  "byte-offset",
  "color",
  "colour",
  "context",
  "context-digit",
  "count",
  "extended-regexp",
  "fixed-regexp",
  "fixed-strings",
  "group-separator",
  "ignore-case",
  "initial-tab",
  "invert-match",
  "label",
  "line-buffered",
  "line-number",
  "line-regexp",
  "max-count",
  "no-filename",
  "no-group-separator",
  "no-ignore-case",
  "no-messages",
  "null",
  "null-data",
  "only-matching",
  "perl-regexp",
  "quiet",
  "regexp",
  "silent",
  "text",
  "with-filename",
  "word-regexp",
]);

export const grepPolicy: ProgramPolicy = (args) => {
  const read = normaliseArgs(args, grepTable);
  if ("problem" in read) return { problem: `grep: ${read.problem}` };
  let pattern = read.words.some((w) => "option" in w && w.option === "regexp");
  for (const word of read.words) {
    if ("operand" in word) {
      if (!pattern) {
        pattern = true;
        continue;
      }
      return {
        problem: `grep ${word.operand}: grep may only filter the output of the command before it (no file operands)`,
      };
    }
    if (!allowed.has(word.option)) {
      const as =
        word.spelled === `--${word.option}`
          ? ""
          : ` (read as --${word.option})`;
      return {
        problem: `${word.spelled}${as} is not allowed; grep here only filters its input (no files, directories or pattern files)`,
      };
    }
  }
  return { argv: ["grep", ...args] };
};
