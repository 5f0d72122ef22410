// Runs a built image's program as its container would: the image's own entrypoint, environment, working
// directory and user, read from the image's config, with `buildah run --isolation chroot` (this machine
// cannot run containers with podman: the sandbox forbids setting rlimits). The host network is shared, so
// the program reaches the local cluster and test servers on 127.0.0.1; files it needs (a kubeconfig) are
// mounted read-only.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ComponentProcess, tailOfFile } from "../cluster/process.ts";

const run = promisify(execFile);
const chroot = { ...process.env, BUILDAH_ISOLATION: "chroot" };

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  const { stdout } = await run(
    "buildah",
    ["inspect", "--type", "image", image],
    { env: chroot, maxBuffer: 16 << 20 },
  );
  return (JSON.parse(stdout) as { OCIv1: { config: ImageConfig } }).OCIv1
    .config;
}

/** The size of an image as buildah reports it (for example "420 MB"). */
export async function imageSize(image: string): Promise<string> {
  const { stdout } = await run(
    "buildah",
    ["images", "--format", "{{.Size}}", image],
    { env: chroot },
  );
  return stdout.trim().split("\n")[0] ?? "";
}

export class ImageProcess {
  private proc: ComponentProcess | undefined;
  private container = "";
  readonly logPath = join(
    mkdtempSync(join(tmpdir(), "siskin-image-")),
    "container.log",
  );
  config: ImageConfig = {};

  /**
   * Starts the image's entrypoint with `args` (replacing its Cmd), `env` added to the image's own, and
   * `mounts` (host path -> container path, read-only).
   */
  async start(
    image: string,
    args: string[],
    options: {
      env?: Record<string, string>;
      mounts?: Record<string, string>;
    } = {},
  ): Promise<void> {
    this.config = await imageConfig(image);
    this.container = (
      await run("buildah", ["from", "--quiet", image], { env: chroot })
    ).stdout.trim();
    const c = this.config;
    const env = [
      ...(c.Env ?? []),
      ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ];
    this.proc = new ComponentProcess(
      "image",
      "buildah",
      [
        "run",
        ...(c.User ? ["--user", c.User] : []),
        ...(c.WorkingDir ? ["--workingdir", c.WorkingDir] : []),
        ...env.flatMap((e) => ["--env", e]),
        ...Object.entries(options.mounts ?? {}).flatMap(([from, to]) => [
          "-v",
          `${from}:${to}:ro`,
        ]),
        this.container,
        "--",
        ...(c.Entrypoint ?? []),
        ...args,
      ],
      this.logPath,
      { BUILDAH_ISOLATION: "chroot" },
    );
  }

  /** The command the container runs, as a person reads it. */
  get command(): string {
    return [...(this.config.Entrypoint ?? []), "..."].join(" ");
  }

  logTail(lines = 30): string {
    return tailOfFile(this.logPath, lines);
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5000);
    if (this.container)
      await run("buildah", ["rm", this.container], { env: chroot }).catch(
        () => undefined,
      );
    this.container = "";
  }
}
