// Strict command-line parsing shared by the operator and the load tester: unknown flags, missing values
// and positionals become one problem message instead of an exception.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

export type ParsedValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O;
    strict: true;
    allowPositionals: false;
  }>
>["values"];

export function strictArgs<O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
): { ok: true; values: ParsedValues<O> } | { ok: false; problems: string[] } {
  try {
    const { values } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: false,
    });
    return { ok: true, values: values as ParsedValues<O> };
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
}
