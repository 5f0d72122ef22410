// Programs the load tester knows how to judge, by name: each reads the arguments the way the program
// does and allows a positive list of options (options/curl.ts, options/grep.ts). Programs without a
// policy (for example a "helm test" prefix added with --allow-command) are checked by the allow-list
// of prefixes alone.
import { curlPolicy } from "./options/curl.ts";
import { grepPolicy } from "./options/grep.ts";
import type { ProgramPolicy } from "./options/policy.ts";

export const programPolicies = {
  curl: curlPolicy,
  grep: grepPolicy,
} satisfies Record<string, ProgramPolicy>;
