// A real InfluxDB: 1.8's influxd (built from its Go module by scripts/influxd.sh, cached) with Flux
// enabled, so it answers InfluxDB 2's /api/v2/query as Flagger's influxdb provider calls it. Data,
// meta and WAL live in a temporary directory; both ports are loopback. With `auth`, an admin user is
// created and /api/v2/query takes `Token <user>:<password>` (1.8's form of a v2 token).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { freeLoopbackPorts } from "../../dev/cluster/ports.ts";
import { waitForComponent } from "../../dev/cluster/wait.ts";
import { repoRoot } from "../../dev/cluster/cluster.ts";

export class InfluxDb {
  url = "";
  readonly admin = { username: "siskin", password: "flux-pa55" };
  private process: ComponentProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "siskin-influxdb-"));

  async start(): Promise<void> {
    const binary = execFileSync(
      "bash",
      [join(repoRoot, "scripts/influxd.sh")],
      { encoding: "utf8", timeout: 900_000 },
    ).trim();
    const [http = 0, rpc = 0] = await freeLoopbackPorts(2);
    const config = join(this.dir, "influxdb.conf");
    writeFileSync(
      config,
      [
        "reporting-disabled = true",
        `bind-address = "127.0.0.1:${rpc}"`,
        "[meta]",
        `  dir = "${join(this.dir, "meta")}"`,
        "[data]",
        `  dir = "${join(this.dir, "data")}"`,
        `  wal-dir = "${join(this.dir, "wal")}"`,
        "[http]",
        `  bind-address = "127.0.0.1:${http}"`,
        "  flux-enabled = true",
        "  auth-enabled = true",
        "  log-enabled = false",
        "",
      ].join("\n"),
    );
    const log = join(this.dir, "influxd.log");
    const proc = new ComponentProcess(
      "influxd",
      binary,
      ["-config", config],
      log,
    );
    this.process = proc;
    this.url = `http://127.0.0.1:${http}`;
    await waitForComponent(
      {
        name: "influxd",
        logPath: log,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "influxd to answer /ping",
      async () => (await fetch(`${this.url}/ping`)).status === 204,
      60,
    );
    // With auth on and no user yet, InfluxDB takes exactly this statement without credentials.
    await this.influxQl(
      `CREATE USER ${this.admin.username} WITH PASSWORD '${this.admin.password}' WITH ALL PRIVILEGES`,
    );
  }

  /** One InfluxQL statement (1.x's /query), as the admin once it exists. */
  async influxQl(statement: string): Promise<void> {
    const response = await fetch(`${this.url}/query`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Basic ${Buffer.from(`${this.admin.username}:${this.admin.password}`).toString("base64")}`,
      },
      body: new URLSearchParams({ q: statement }),
    });
    if (!response.ok)
      throw new Error(
        `InfluxQL ${statement}: HTTP ${response.status} ${await response.text()}`,
      );
  }

  /** Line protocol into database `db`, timestamps in seconds. */
  async write(db: string, lines: string[]): Promise<void> {
    const response = await fetch(
      `${this.url}/write?db=${db}&precision=s&u=${this.admin.username}&p=${this.admin.password}`,
      {
        method: "POST",
        body: lines.join("\n"),
      },
    );
    if (response.status !== 204)
      throw new Error(
        `write: HTTP ${response.status} ${await response.text()}`,
      );
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
