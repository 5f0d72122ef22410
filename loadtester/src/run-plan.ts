// Runs a planned command: each pipeline's programs spawned directly with argv arrays, stdout piped into
// the next, pipelines joined by && || ; (the exit status of a pipeline is its last command's, as in
// bash); or, with --allow-any-command, the text given to bash -c. Every process gets its own process
// group, so a timeout or a shutdown kills all of them. Output: stdout of each pipeline's last command
// and everyone's stderr, up to a limit.
import { spawn, type ChildProcess } from "node:child_process";
import type { CommandPlan, Pipeline } from "./command.ts";

const outputLimit = 4000;

export interface RunOutcome {
  ok: boolean;
  output: string;
}

export async function runPlan(
  plan: CommandPlan,
  signal: AbortSignal,
): Promise<RunOutcome> {
  const output = { text: "" };
  let status = 0;
  if (plan.kind === "shell") {
    status = await runPipeline([["bash", "-c", plan.script]], signal, output);
  } else {
    let previous: Pipeline | undefined;
    for (const pipeline of plan.pipelines) {
      const skip =
        (previous?.then === "&&" && status !== 0) ||
        (previous?.then === "||" && status === 0);
      if (!skip) status = await runPipeline(pipeline.commands, signal, output);
      previous = pipeline;
      if (signal.aborted) break;
    }
  }
  const text = output.text.slice(0, outputLimit).trim();
  if (signal.aborted)
    return { ok: false, output: `timed out${text ? `: ${text}` : ""}` };
  return {
    ok: status === 0,
    output:
      status === 0 ? text : `exit status ${status}${text ? `: ${text}` : ""}`,
  };
}

function runPipeline(
  commands: string[][],
  signal: AbortSignal,
  output: { text: string },
): Promise<number> {
  return new Promise((resolve) => {
    const keep = (chunk: Buffer) => {
      if (output.text.length < outputLimit)
        output.text += chunk.toString("utf8");
    };
    const children: ChildProcess[] = [];
    const kill = () => {
      for (const child of children) {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    };
    signal.addEventListener("abort", kill, { once: true });
    let last: number | undefined;
    let open = commands.length;
    const done = new Set<number>();
    const finished = (index: number, code: number) => {
      if (done.has(index)) return; // "error" and "close" can both come
      done.add(index);
      if (index === commands.length - 1) last = code;
      if (--open === 0) {
        signal.removeEventListener("abort", kill);
        resolve(last ?? 1);
      }
    };
    commands.forEach((argv, index) => {
      const [program = "", ...args] = argv;
      const child = spawn(program, args, {
        stdio: [index === 0 ? "ignore" : "pipe", "pipe", "pipe"],
        detached: true,
        shell: false,
      });
      children.push(child);
      const previous = children[index - 1];
      if (previous?.stdout && child.stdin) {
        previous.stdout.pipe(child.stdin);
        child.stdin.on("error", () => undefined); // the reader may exit first (grep -q)
      }
      if (index === commands.length - 1) child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      child.on("error", (error) => {
        keep(Buffer.from(`${program}: ${error.message}\n`));
        finished(index, 127);
      });
      child.on("close", (code, sig) =>
        finished(index, code ?? (sig ? 128 : 1)),
      );
    });
    if (signal.aborted) kill();
  });
}
