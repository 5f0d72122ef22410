// The commands of kubectl-siskin, their flags and help (commander): per-command flags, unknown flags
// refused, `--help` on every command. Connection flags (-n, --kubeconfig, --context) are accepted before
// or after the command, as kubectl's are. Each action sets the exit code through `done`.
import { flaggerApiVersion } from "../api/identity.ts";
import { Command, Option } from "commander";
import type { Canary } from "../api/canary.ts";
import { requestActions } from "../analysis/types.ts";
import { parseDuration } from "../util/durations.ts";
import { version } from "../version.ts";
import { sendRequest, waitFor, type Session } from "./commands.ts";
import {
  completionScript,
  shells,
  type CommandInfo,
  type Shell,
} from "./completion.ts";
import { canaryRef } from "./follow.ts";
import { get } from "./get.ts";
import { lintFiles } from "./lint.ts";
import { notifyTest } from "./notify-test.ts";
import { exportRun, replayCommand } from "./replay-command.ts";
import {
  parseWaitFor,
  requestHelp,
  timeoutMs,
  withSession,
  type Connection,
} from "./session.ts";
import { convertGatewayCommand, status } from "./status.ts";

export function cliProgram(done: (code: number) => void): Command {
  const program = new Command("kubectl-siskin")
    .usage("COMMAND [NAME] [flags]")
    .description(
      "Control and watch Siskin's Canaries (flagger.app/v1beta1) without editing their spec.\nExit codes: 0 done, 1 refused or the other outcome, 2 timeout, 3 an error.",
    )
    .option(
      "-n, --namespace <namespace>",
      "the namespace (default: the context's)",
    )
    .option(
      "--kubeconfig <path>",
      "the kubeconfig file (default: $KUBECONFIG, ~/.kube/config)",
    )
    .option("--context <name>", "the kubeconfig context")
    .option(
      "-s, --server <url>",
      "the API server's address (overrides the kubeconfig's)",
    )
    .option(
      "--token <token>",
      "a bearer token (overrides the kubeconfig's user)",
    )
    .option(
      "--insecure-skip-tls-verify",
      "do not check the API server's certificate",
    )
    .option("--as <user>", "impersonate this user")
    .option(
      "--as-group <group>",
      "impersonate this group (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--request-timeout <duration>",
      "give up on one API request after this long (0: the 30 s default)",
    )
    .version(version, "--version", "print the version")
    .showHelpAfterError(
      "(kubectl siskin COMMAND --help lists a command's flags)",
    )
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`kubectl siskin: ${text}`),
    });
  const connection = () => program.opts<Connection>();
  const cluster = (work: (session: Session) => Promise<number>) => async () =>
    done(await withSession(connection(), work));
  const infos: CommandInfo[] = [];
  const command = (name: string, takesCanary: boolean) => {
    const sub = program.command(name).exitOverride();
    infos.push({ name, flags: [], takesCanary });
    return sub;
  };
  const finish = (sub: Command) => {
    const info = infos.find((i) => i.name === sub.name());
    if (info) info.flags = sub.options.map((o) => o.long ?? "").filter(Boolean);
    return sub;
  };

  finish(
    command("get", true)
      .argument("[name]", "a Canary (default: every Canary in the namespace)")
      .description("Canaries: phase, weight, failed checks, last verdicts")
      .option("-A, --all-namespaces", "every namespace", false)
      .option(
        "-o, --output <format>",
        "json, yaml, name, wide or jsonpath=TEMPLATE (one object for a name, a List otherwise)",
      )
      .option("-l, --selector <selector>", "label selector, as kubectl's")
      .option(
        "-w, --watch",
        "after listing, print each change until Ctrl-C",
        false,
      )
      .action(
        async (
          name: string | undefined,
          o: {
            allNamespaces: boolean;
            output?: string;
            selector?: string;
            watch: boolean;
          },
        ) => {
          await cluster((s) =>
            get(s, name, {
              allNamespaces: o.allNamespaces,
              watch: o.watch,
              ...(o.output ? { output: o.output } : {}),
              ...(o.selector ? { selector: o.selector } : {}),
            }),
          )();
        },
      ),
  );
  finish(
    command("status", true)
      .argument("<name>")
      .description(
        "the run: each check with value, threshold and query; the next step; the timeline",
      )
      .option("-w, --watch", "redraw on each change until Ctrl-C", false)
      .action(async (name: string, o: { watch: boolean }) => {
        await cluster((s) => status(s, name, o.watch))();
      }),
  );
  for (const action of requestActions) {
    const sub = command(action, true)
      .argument("<name>")
      .description(requestHelp[action])
      .option(
        "--timeout <duration>",
        "how long to wait for the operator's answer",
        "1m",
      );
    if (action === "abort")
      sub.option("--reason <text>", "why (status, event and alert carry it)");
    finish(
      sub.action(
        async (name: string, o: { timeout: string; reason?: string }) => {
          await cluster((s) =>
            sendRequest(s, name, action, {
              ...(o.reason ? { reason: o.reason } : {}),
              timeoutMs: timeoutMs(o.timeout, "1m"),
            }),
          )();
        },
      ),
    );
  }
  finish(
    command("wait", true)
      .argument("<name>")
      .description(
        "for CI: promoted/failed is the outcome of the target's current revision, whenever reached (exit 0 at once if already promoted)",
      )
      .requiredOption("--for <condition>", "promoted, failed or phase=<Phase>")
      .option("--image <image>", "the revision that runs this image")
      .option("--timeout <duration>", "give up after this long (exit 2)", "10m")
      .action(
        async (
          name: string,
          o: { for: string; image?: string; timeout: string },
        ) => {
          const wanted = parseWaitFor(o.for);
          if (o.image && wanted.kind === "phase")
            throw new Error("--image goes with --for promoted or --for failed");
          await cluster((s) =>
            waitFor(s, name, wanted, timeoutMs(o.timeout, "10m"), {
              ...(o.image ? { image: o.image } : {}),
            }),
          )();
        },
      ),
  );
  finish(
    command("export", true)
      .argument("<name>")
      .description("a recorded run (spec + status.history) as JSON, for replay")
      .addOption(
        new Option("--run <run>", "which run")
          .choices(["current", "previous"])
          .default("current"),
      )
      .action(async (name: string, o: { run: "current" | "previous" }) => {
        await cluster(async (s) => {
          const canary = await s.api.get<Canary>(canaryRef(s.namespace, name));
          s.print(JSON.stringify(exportRun(canary, o.run), null, 2));
          return 0;
        })();
      }),
  );
  finish(
    command("convert-gateway", true)
      .argument("<name>")
      .description(
        "print what moves NAME from Gloo Edge to Gateway API (kgateway): the Canary change, the HTTPRoute, a Gateway; applies nothing",
      )
      .option(
        "--gateway <namespace/name>",
        "the Gateway to attach to",
        "kgateway-system/http",
      )
      .option(
        "--gateway-class <class>",
        "the GatewayClass of a new Gateway",
        "kgateway",
      )
      .action(
        async (name: string, o: { gateway: string; gatewayClass: string }) => {
          await cluster((s) =>
            convertGatewayCommand(s, name, {
              gateway: o.gateway,
              "gateway-class": o.gatewayClass,
            }),
          )();
        },
      ),
  );
  finish(
    command("notify-test", false)
      .argument("<provider>", "an AlertProvider")
      .description(
        "post a test message through an AlertProvider (read with your credentials) and print the answer",
      )
      .option("--cluster <name>", "the cluster name the message carries", "")
      .action(async (provider: string, o: { cluster: string }) => {
        await cluster((s) => notifyTest(s, provider, o.cluster))();
      }),
  );
  finish(
    command("replay", false)
      .argument("<file>", "a run written by export")
      .description(
        "the decision core over a recorded run, no cluster: exit 0 promoted, 1 failed, 2 undecided",
      )
      .option(
        "--set <path=value>",
        "change the spec, for example analysis.threshold=3 (repeatable)",
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .action((file: string, o: { set: string[] }) => {
        done(replayCommand(file, o.set, (line) => console.log(line)));
      }),
  );
  finish(
    command("lint", false)
      .argument(
        "<files...>",
        "YAML files; Canaries in them are checked, other kinds skipped",
      )
      .description(
        "check Canaries offline with the CRD schema and the operator's own rules: exit 0 clean, 1 with each problem and its field",
      )
      .option(
        "--mesh-provider <router>",
        "the operator's --mesh-provider",
        "kubernetes",
      )
      .option(
        "--min-analysis-interval <duration>",
        "the operator's --min-analysis-interval",
        "10s",
      )
      .action(
        (
          files: string[],
          o: { meshProvider: string; minAnalysisInterval: string },
        ) => {
          const minIntervalMs = parseDuration(o.minAnalysisInterval);
          if (minIntervalMs === undefined)
            throw new Error(
              `--min-analysis-interval ${o.minAnalysisInterval}: write a duration such as 10s`,
            );
          done(
            lintFiles(
              files,
              { meshProvider: o.meshProvider, minIntervalMs },
              (line) => console.log(line),
            ),
          );
        },
      ),
  );
  finish(
    command("version", false)
      .description("print the version")
      .action(() => {
        console.log(`kubectl-siskin ${version}`);
        done(0);
      }),
  );
  finish(
    command("completion", false)
      .argument("<shell>", shells.join(", "))
      .description(
        "print a shell completion script (commands, flags, Canary names from the cluster)",
      )
      .action((shell: string) => {
        if (!(shells as readonly string[]).includes(shell))
          throw new Error(`completion ${shell}: use ${shells.join(", ")}`);
        process.stdout.write(completionScript(shell as Shell, infos));
        done(0);
      }),
  );
  // For completion scripts: the Canary names in the namespace, one per line.
  program
    .command("__canaries", { hidden: true })
    .exitOverride()
    .action(async () => {
      await cluster(async (s) => {
        const list = await s.api.list<Canary>({
          apiVersion: flaggerApiVersion,
          kind: "Canary",
          namespace: s.namespace,
        });
        for (const c of list.items) s.print(c.metadata.name);
        return 0;
      })();
    });
  return program;
}
