// The operator carries its own runtime settings: started without the V8 flags or the malloc setting it
// runs with (src/node-flags.ts), however it is launched (the package's `siskin` bin, `node
// dist/src/main.js`, a process manager), it replaces itself at once with the same command plus them, so
// every launcher measures what the image measures. process.execve keeps the process id, stdio and
// signals: nothing is left behind. Imported first by main.ts, before anything else is loaded.
import { operatorEnv, operatorNodeFlags } from "./node-flags.ts";

/** Set on the replaced process, so a platform that drops a flag never loops. */
const marker = "SISKIN_RELAUNCHED";

export function relaunchArguments(
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { flags: string[]; env: Record<string, string> } | undefined {
  if (env[marker]) return undefined;
  const flags = operatorNodeFlags.filter(
    (flag) =>
      !execArgv.some(
        (a) => a === flag || a.startsWith(`${flag.split("=")[0]}=`),
      ),
  );
  const missing = Object.entries(operatorEnv).filter(
    ([key]) => env[key] === undefined,
  );
  if (flags.length === 0 && missing.length === 0) return undefined;
  return { flags, env: { ...Object.fromEntries(missing), [marker]: "1" } };
}

const wanted = relaunchArguments(process.execArgv, process.env);
if (
  wanted &&
  typeof process.execve === "function" &&
  process.platform !== "win32"
) {
  const [, ...rest] = process.argv;
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...wanted.flags, ...rest],
    { ...process.env, ...wanted.env } as Record<string, string>,
  );
}
