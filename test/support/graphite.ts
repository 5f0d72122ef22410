// A real Graphite: Debian's graphite-web (the Django render API) over whisper files in a temporary
// storage directory, on a loopback port. Datapoints are written with Debian's python3-whisper, the
// library carbon itself writes with, so what the render API reads is what a carbon daemon would store.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { waitForComponent } from "../../dev/cluster/wait.ts";

/** Debian's Python, where graphite-web and whisper are installed (not a pyenv shim). */
const python = "/usr/bin/python3";
const manage = "/usr/bin/graphite-manage";

export class GraphiteWeb {
  url = "";
  private process: ComponentProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "siskin-graphite-"));
  private readonly env = {
    PYTHONPATH: join(this.dir, "settings"),
    GRAPHITE_SETTINGS_MODULE: "siskin_graphite",
  };

  async start(): Promise<void> {
    const storage = join(this.dir, "storage");
    mkdirSync(join(storage, "whisper"), { recursive: true });
    mkdirSync(join(storage, "log"), { recursive: true });
    mkdirSync(this.env.PYTHONPATH);
    writeFileSync(
      join(this.env.PYTHONPATH, "siskin_graphite.py"),
      [
        "SECRET_KEY = 'siskin-test'",
        `STORAGE_DIR = ${JSON.stringify(storage)}`,
        `WHISPER_DIR = ${JSON.stringify(join(storage, "whisper"))}`,
        `LOG_DIR = ${JSON.stringify(join(storage, "log"))}`,
        `INDEX_FILE = ${JSON.stringify(join(storage, "index"))}`,
        `DATABASES = {'default': {'NAME': ${JSON.stringify(join(storage, "graphite.db"))}, 'ENGINE': 'django.db.backends.sqlite3'}}`,
        "GRAPHITE_ROOT = '/usr/share/graphite-web'",
        "STATIC_ROOT = '/usr/share/graphite-web/static'",
        "",
      ].join("\n"),
    );
    execFileSync(python, [manage, "migrate", "--run-syncdb"], {
      env: { ...process.env, ...this.env },
      stdio: "ignore",
    });
    const port = await freeLoopbackPort();
    const log = join(this.dir, "graphite-web.log");
    const proc = new ComponentProcess(
      "graphite-web",
      python,
      [manage, "runserver", `127.0.0.1:${port}`, "--noreload"],
      log,
      this.env,
    );
    this.process = proc;
    this.url = `http://127.0.0.1:${port}`;
    await waitForComponent(
      {
        name: "graphite-web",
        logPath: log,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "graphite-web to answer",
      async () =>
        (await fetch(`${this.url}/render?target=none&format=json`)).ok,
      60,
    );
  }

  /** Stores datapoints of one metric (dotted path), 10 s resolution, as carbon would. */
  write(metric: string, points: [secondsAgo: number, value: number][]): void {
    const path =
      join(this.dir, "storage", "whisper", ...metric.split(".")) + ".wsp";
    const now = Math.floor(Date.now() / 1000);
    const script = [
      "import os, sys, json, whisper",
      "path, points = sys.argv[1], json.loads(sys.argv[2])",
      "os.makedirs(os.path.dirname(path), exist_ok=True)",
      "if not os.path.exists(path): whisper.create(path, [(10, 360)])",
      "whisper.update_many(path, [tuple(p) for p in points])",
    ].join("\n");
    execFileSync(python, [
      "-c",
      script,
      path,
      JSON.stringify(points.map(([ago, value]) => [now - ago, value])),
    ]);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
