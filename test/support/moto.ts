// moto in server mode (PyPI `moto[server]`): a local CloudWatch API on 127.0.0.1.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentProcess } from "../../dev/cluster/process.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { waitForComponent } from "../../dev/cluster/wait.ts";

export const motoBinary = process.env.MOTO_SERVER_BIN ?? "moto_server";

/** Credentials moto accepts; real AWS would not. IMDS is disabled so nothing dials 169.254.169.254. */
export const motoEnv = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_EC2_METADATA_DISABLED: "true",
};

export class MotoServer {
  url = "";
  private process: ComponentProcess | undefined;

  async start(): Promise<void> {
    const port = await freeLoopbackPort();
    const log = join(mkdtempSync(join(tmpdir(), "siskin-moto-")), "moto.log");
    const proc = new ComponentProcess(
      "moto",
      motoBinary,
      ["-H", "127.0.0.1", "-p", String(port)],
      log,
    );
    this.process = proc;
    this.url = `http://127.0.0.1:${port}`;
    await waitForComponent(
      {
        name: "moto",
        logPath: log,
        deadReason: () => (proc.exit ? proc.describeExit() : undefined),
      },
      "moto to answer",
      async () => (await fetch(`${this.url}/moto-api/`)).status < 500,
      30,
    );
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
