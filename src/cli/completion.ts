// Shell completion for kubectl-siskin: commands, each command's flags, and Canary names read from the
// cluster (`kubectl-siskin __canaries`, which prints the names in the namespace of -n or the context).
// As a kubectl plugin, kubectl (1.26+) completes `kubectl siskin ...` through an executable named
// kubectl_complete-siskin on PATH; docs/operations.md shows both ways.
export const shells = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof shells)[number];

export interface CommandInfo {
  name: string;
  flags: string[];
  /** Completes its first argument with Canary names. */
  takesCanary: boolean;
}

export function completionScript(
  shell: Shell,
  commands: CommandInfo[],
): string {
  const names = commands.map((c) => c.name).join(" ");
  const canaryCommands = commands
    .filter((c) => c.takesCanary)
    .map((c) => c.name);
  if (shell === "fish") {
    const lines = [
      "# kubectl-siskin completion for fish: kubectl-siskin completion fish | source",
      "complete -c kubectl-siskin -f",
      `complete -c kubectl-siskin -n '__fish_use_subcommand' -a '${names}'`,
      ...commands.flatMap((c) =>
        c.flags.map(
          (f) =>
            `complete -c kubectl-siskin -n '__fish_seen_subcommand_from ${c.name}' -l '${f.replace(/^--/, "")}'`,
        ),
      ),
      `complete -c kubectl-siskin -n '__fish_seen_subcommand_from ${canaryCommands.join(" ")}' -a '(kubectl-siskin __canaries (commandline -opc | string match -r -- "(?<=-n )\\S+|(?<=--namespace[= ])\\S+") 2>/dev/null)'`,
    ];
    return `${lines.join("\n")}\n`;
  }
  const cases = commands
    .map(
      (c) =>
        `    ${c.name}) flags="${c.flags.join(" ")}"; canary=${c.takesCanary ? 1 : 0} ;;`,
    )
    .join("\n");
  const bash = `# kubectl-siskin completion for bash: source <(kubectl-siskin completion bash)
_kubectl_siskin() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" command="" namespace="" flags="" canary=0 i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace) namespace="\${COMP_WORDS[i+1]}"; ((i++)) ;;
      --namespace=*) namespace="\${COMP_WORDS[i]#--namespace=}" ;;
      -*) ;;
      *) [ -z "$command" ] && command="\${COMP_WORDS[i]}" ;;
    esac
  done
  if [ -z "$command" ]; then
    COMPREPLY=($(compgen -W "${names}" -- "$cur")); return
  fi
  case "$command" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags --namespace --kubeconfig --context --help" -- "$cur")); return
  fi
  if [ "$canary" = 1 ]; then
    COMPREPLY=($(compgen -W "$(kubectl-siskin __canaries \${namespace:+-n "$namespace"} 2>/dev/null)" -- "$cur"))
  fi
}
complete -F _kubectl_siskin kubectl-siskin
`;
  if (shell === "bash") return bash;
  return `#compdef kubectl-siskin
# kubectl-siskin completion for zsh: source <(kubectl-siskin completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
