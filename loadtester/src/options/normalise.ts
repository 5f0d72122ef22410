// Reads a command's arguments the way the program itself will, so a policy judges what the program does,
// not how the words are spelled. Two conventions:
//   curl   long options matched case-insensitively by any unique prefix (an exact name wins), "--no-"
//          negates a flag, the value is always the next word (curl 7.x has no --opt=value), short
//          options cluster and a short option's value is the rest of the word or the next word;
//   getopt GNU getopt_long (grep): case-sensitive, any unique prefix, --opt=value or --opt value,
//          optional values only after "=", clustered short options, options and operands in any order.
// "--" ends the options in both.

/** Whether an option takes a value: always, never, or (getopt) only when written --opt=value. */
export type Arity = "none" | "required" | "optional";

export interface OptionTable {
  convention: "curl" | "getopt";
  /** Every long option the program knows, by the name it stores (curl: without "no-"). */
  long: ReadonlyMap<string, Arity>;
  /** Short option letter -> its long name. */
  short: ReadonlyMap<string, string>;
  /** Long names that mean the same option (getopt: a prefix of both is not ambiguous). */
  sameAs?: ReadonlyMap<string, string>;
}

export type Word =
  | {
      /** The long name the program resolves the word to. */
      option: string;
      value?: string;
      /** curl's --no-<flag>. */
      negated?: boolean;
      /** As written, for messages. */
      spelled: string;
    }
  | { operand: string };

export type Normalised = { words: Word[] } | { problem: string };

/** The long option a word names, as the program resolves abbreviations. */
function resolveLong(
  table: OptionTable,
  word: string,
  spelled: string,
): { name: string } | { problem: string } {
  const fold = table.convention === "curl";
  const same = (a: string, b: string) =>
    fold ? a.toLowerCase() === b.toLowerCase() : a === b;
  const startsWith = (name: string) =>
    fold
      ? name.toLowerCase().startsWith(word.toLowerCase())
      : name.startsWith(word);
  const names = [...table.long.keys()];
  const meaning = (n: string) => table.sameAs?.get(n) ?? n;
  const exact = names.find((n) => same(n, word));
  if (exact) return { name: meaning(exact) };
  const candidates = word === "" ? [] : names.filter(startsWith);
  const meanings = new Set(candidates.map(meaning));
  if (meanings.size === 1) return { name: [...meanings][0] ?? "" };
  if (candidates.length === 0)
    return { problem: `${spelled} is not an option the program knows` };
  return {
    problem: `${spelled} is ambiguous (${candidates
      .slice(0, 4)
      .map((c) => `--${c}`)
      .join(", ")}${candidates.length > 4 ? ", ..." : ""})`,
  };
}

export function normaliseArgs(
  args: readonly string[],
  table: OptionTable,
): Normalised {
  const words: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") {
      for (const rest of args.slice(i + 1)) words.push({ operand: rest });
      return { words };
    }
    if (arg.startsWith("--")) {
      let body = arg.slice(2);
      let inline: string | undefined;
      if (table.convention === "getopt" && body.includes("=")) {
        inline = body.slice(body.indexOf("=") + 1);
        body = body.slice(0, body.indexOf("="));
      }
      let negated = false;
      if (table.convention === "curl" && body.startsWith("no-")) {
        negated = true;
        body = body.slice(3);
      }
      const resolved = resolveLong(table, body, arg);
      if ("problem" in resolved) return resolved;
      const arity = table.long.get(resolved.name) ?? "none";
      if (arity === "none" && inline !== undefined)
        return { problem: `${arg}: --${resolved.name} takes no value` };
      let value = inline;
      if (arity === "required" && value === undefined) {
        if (i + 1 >= args.length) return { problem: `${arg} needs a value` };
        value = args[++i];
      }
      words.push({
        option: resolved.name,
        spelled: arg,
        ...(value !== undefined ? { value } : {}),
        ...(negated ? { negated } : {}),
      });
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] ?? "";
        const name = table.short.get(letter);
        if (!name)
          return {
            problem: `-${letter} (in ${arg}) is not an option the program knows`,
          };
        const arity = table.long.get(name) ?? "none";
        if (arity === "none") {
          words.push({ option: name, spelled: `-${letter}` });
          continue;
        }
        // The rest of the word is the value; an optional value must be attached.
        let value: string | undefined = arg.slice(j + 1);
        if (value === "") {
          if (arity === "required") {
            if (i + 1 >= args.length)
              return { problem: `-${letter} needs a value` };
            value = args[++i];
          } else value = undefined;
        }
        words.push({
          option: name,
          spelled: `-${letter}`,
          ...(value !== undefined ? { value } : {}),
        });
        break;
      }
      continue;
    }
    words.push({ operand: arg });
  }
  return { words };
}
