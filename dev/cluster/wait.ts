import { setTimeout as sleep } from "node:timers/promises";
import { tailOfFile } from "./process.ts";

/** A start-up or health failure that names the component and shows the end of its log. */
export class ComponentError extends Error {
  readonly component: string;
  constructor(component: string, problem: string, logPath: string) {
    super(
      `${component}: ${problem}\n--- last lines of ${logPath} ---\n${tailOfFile(logPath)}`,
    );
    this.name = "ComponentError";
    this.component = component;
  }
}

export interface WaitTarget {
  name: string;
  logPath: string;
  /** A reason the wait can never succeed (the process died), or undefined while it still can. */
  deadReason(): string | undefined;
}

/**
 * Polls `check` until it returns true. Fails fast when the component dies, and with the last check's
 * error after `timeoutSeconds`, naming the component either way, so a broken start never hangs.
 */
export async function waitForComponent(
  target: WaitTarget,
  what: string,
  check: () => Promise<boolean>,
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastProblem: string;
  for (;;) {
    const dead = target.deadReason();
    if (dead)
      throw new ComponentError(
        target.name,
        `${dead} while waiting for ${what}`,
        target.logPath,
      );
    try {
      if (await check()) return;
      lastProblem = "not ready yet";
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new ComponentError(
        target.name,
        `${what} did not happen within ${timeoutSeconds}s (last check: ${lastProblem})`,
        target.logPath,
      );
    }
    await sleep(150);
  }
}
