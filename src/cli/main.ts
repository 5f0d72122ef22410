#!/usr/bin/env node
// kubectl-siskin: control and watch Canaries without editing their spec (which GitOps would revert).
// On PATH as kubectl-siskin, kubectl runs it as `kubectl siskin ...`. Commands, flags and help come from
// commander (program.ts); each command's work is in its own module. Exit codes: 0 done or the wanted
// outcome, 1 refused or the other outcome (lint: problems found), 2 timeout, 3 an error (usage included).
import { CommanderError } from "commander";
import { errorMessage } from "../util/errors.ts";
import { cliProgram } from "./program.ts";

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = cliProgram((result) => {
    code = result;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError)
      // --help and --version end here with exitCode 0; a usage error has printed its message.
      return error.exitCode === 0 ? 0 : 3;
    throw error;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`kubectl siskin: ${errorMessage(error)}`);
    process.exit(3);
  },
);
