// What a task's command may do, and how it becomes processes. Unless --allow-any-command is set, no
// shell ever runs: the command is split by one tokenizer (shell-quote) into pipelines of simple
// commands joined by |, &&, || and ;, each command must start with an allowed prefix, the options of
// known programs are read as the program reads them and must be on its positive list, and each pipeline is spawned
// directly (argv arrays, stdout piped into the next). Quoting tricks therefore have nothing to reach:
// variables, $(...), backticks, globs, redirections, background jobs and subshells are refused.
import { parse } from "shell-quote";
import { programPolicies } from "./option-rules.ts";
import type { ProgramPolicy } from "./options/policy.ts";

export interface CommandPolicy {
  /** Allowed prefixes, whole words: "hey", "curl", "helm test". */
  prefixes: readonly string[];
  /** --allow-any-command: hand the text to bash as it is. */
  allowAny: boolean;
}

export type Connector = "&&" | "||" | ";";

/** Commands joined by |, and how the next pipeline depends on this one's exit status. */
export interface Pipeline {
  commands: string[][];
  /** How the following pipeline runs: after success (&&), failure (||) or always (;). */
  then?: Connector;
}

export type CommandPlan =
  { kind: "shell"; script: string } | { kind: "direct"; pipelines: Pipeline[] };

export type PlanResult =
  { ok: true; plan: CommandPlan } | { ok: false; reason: string };

const refuse = (reason: string): PlanResult => ({ ok: false, reason });

const connectors = new Set(["&&", "||", ";"]);
const describeOp: Record<string, string> = {
  glob: "globs (quote the argument: nothing is expanded)",
  ">": "redirection (>)",
  ">>": "redirection (>>)",
  "<": "redirection (<)",
  ">&": "redirection (>&)",
  "<&": "redirection (<&)",
  "<(": "process substitution <(...)",
  "(": "subshells or $(...)",
  ")": "subshells or $(...)",
  "&": "background jobs (&)",
  "|&": "|&",
  ";;": ";;",
};

export function planCommand(
  command: string,
  policy: CommandPolicy,
): PlanResult {
  if (!command.trim()) return refuse("metadata.cmd is empty");
  if (policy.allowAny)
    return { ok: true, plan: { kind: "shell", script: command } };
  if (/[\n\r\0]/.test(command))
    return refuse(
      "newlines and NUL characters are not allowed; join commands with ; or &&",
    );
  if (command.includes("`"))
    return refuse(
      "command substitution with backticks is not run; no shell runs without --allow-any-command",
    );
  const variables: string[] = [];
  const tokens = parse(command, (name) => {
    variables.push(name);
    return "";
  });
  if (variables.length > 0)
    return refuse(
      `${variables[0] ? `variable $${variables[0]}` : "$(...) or $((...))"} is not expanded; no shell runs without --allow-any-command`,
    );
  const pipelines: Pipeline[] = [];
  let pipeline: string[][] = [];
  let current: string[] = [];
  const endCommand = (): string | undefined => {
    if (current.length === 0) return "an operator with no command before it";
    pipeline.push(current);
    current = [];
    return undefined;
  };
  for (const token of tokens) {
    if (typeof token === "string") {
      current.push(token);
      continue;
    }
    if ("comment" in token) return refuse("comments (#) are not allowed");
    const op = token.op;
    if (op === "|" || connectors.has(op)) {
      const problem = endCommand();
      if (problem) return refuse(problem);
      if (op !== "|") {
        pipelines.push({ commands: pipeline, then: op as Connector });
        pipeline = [];
      }
      continue;
    }
    return refuse(`${describeOp[op] ?? `the operator ${op}`} is not allowed`);
  }
  if (current.length === 0) return refuse("the command ends with an operator");
  pipeline.push(current);
  pipelines.push({ commands: pipeline });
  const checked: Pipeline[] = [];
  for (const p of pipelines) {
    const commands: string[][] = [];
    for (const argv of p.commands) {
      const verdict = checkArgv(argv, policy);
      if ("problem" in verdict) return refuse(verdict.problem);
      commands.push(verdict.argv);
    }
    checked.push({ ...p, commands });
  }
  return { ok: true, plan: { kind: "direct", pipelines: checked } };
}

function checkArgv(
  argv: string[],
  policy: CommandPolicy,
): { argv: string[] } | { problem: string } {
  const prefix = policy.prefixes.find((p) => {
    const words = p.trim().split(/\s+/);
    return words.every((w, i) => argv[i] === w);
  });
  if (!prefix) {
    const first = argv.slice(0, 2).join(" ");
    return {
      problem: `"${first}" is not in the allow-list (${policy.prefixes.join(", ") || "empty"}); add its prefix with --allow-command`,
    };
  }
  const program = argv[0] ?? "";
  const judge = (programPolicies as Record<string, ProgramPolicy>)[program];
  return judge ? judge(argv.slice(1)) : { argv };
}
