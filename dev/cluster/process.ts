import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  statSync,
} from "node:fs";

/** How a component process ended, once it has. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One control-plane process with its output in a log file. Started in its own process group
 * (detached) so `cluster:up` can leave it running, and so stopping it also stops anything it forked.
 */
export class ComponentProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  private exitInfo: ExitInfo | undefined;
  private stopping = false;
  private readonly exited: Promise<ExitInfo>;

  constructor(
    name: string,
    binary: string,
    args: string[],
    logPath: string,
    env: NodeJS.ProcessEnv = {},
    cwd?: string,
  ) {
    this.name = name;
    this.logPath = logPath;
    const log = openSync(logPath, "a");
    try {
      this.child = spawn(binary, args, {
        detached: true,
        stdio: ["ignore", log, log],
        env: { ...process.env, ...env },
        ...(cwd ? { cwd } : {}),
      });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once("error", (error) => {
        this.exitInfo = { code: null, signal: null };
        appendNote(logPath, `spawn failed: ${error.message}`);
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined)
      throw new Error(`${this.name} has no pid (it failed to spawn)`);
    return this.child.pid;
  }

  /** Set once the process has ended, whether it was asked to or not. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** True when the process ended without being asked to. */
  get crashed(): boolean {
    return this.exitInfo !== undefined && !this.stopping;
  }

  describeExit(): string {
    const info = this.exitInfo;
    if (!info) return `${this.name} is running`;
    return info.signal
      ? `${this.name} was killed by ${info.signal}`
      : `${this.name} exited with code ${info.code}`;
  }

  /** SIGTERM the process group, then SIGKILL after `graceMs`. Resolves once the process has ended. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.exitInfo || this.child.pid === undefined) return;
    signalGroup(this.child.pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(this.pid, "SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Sends a signal to a process group, ignoring groups that are already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); /proc tells the truth.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Resident memory of a process in bytes (0 if it is gone). */
export function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailOfFile(path: string, lines = 15): string {
  try {
    const size = statSync(path).size;
    const text = readFileSync(path, "utf8").slice(
      Math.max(0, size - 64 * 1024),
    );
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function appendNote(path: string, note: string): void {
  try {
    appendFileSync(path, `\n[harness] ${note}\n`);
  } catch {
    // best effort: the caller also learns of the failure through describeExit()
  }
}
