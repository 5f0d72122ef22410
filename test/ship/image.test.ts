// The images, built and run here: `npm run image` (scripts/image.sh) builds both from the Dockerfile with
// buildah, without a Docker daemon; each is then run as its container would be (its own entrypoint,
// environment and user, from the image's config) with `buildah run --isolation chroot`. The operator
// image runs with the arguments the chart renders against the local cluster through the story's two
// releases (6.0.1 promoted, 6.0.2 rolled back); the load tester image runs the acceptance test task
// (`curl -sd 'test' .../token | grep token`) with the image's own curl and grep.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { repoRoot } from "../../dev/cluster/cluster.ts";
import { freeLoopbackPort } from "../../dev/cluster/ports.ts";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { operatorNodeFlags } from "../../src/node-flags.ts";
import { ImageProcess, imageSize } from "../../dev/services/image-process.ts";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import { SlackReceiver } from "../../dev/services/slack-receiver.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi, WeightRecorder } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { EnvoyExporter } from "../support/envoy-exporter.ts";

const run = promisify(execFile);
let operatorImage = "";
let loadtesterImage = "";

beforeAll(async () => {
  const { stdout, stderr } = await run(
    "bash",
    [join(repoRoot, "scripts/image.sh")],
    {
      timeout: 1_200_000,
      maxBuffer: 64 << 20,
    },
  );
  [operatorImage = "", loadtesterImage = ""] =
    stdout.trim().split("\n").at(-1)?.split(" ") ?? [];
  // Printed so the test output shows the sizes.
  console.info(
    stderr
      .split("\n")
      .filter((l) => / [0-9.]+ [MG]B/.test(l))
      .join("\n"),
  );
}, 1_200_000);

describe("the operator image", () => {
  let ns: Awaited<ReturnType<typeof createTestNamespace>>;
  const container = new ImageProcess();
  const exporter = new EnvoyExporter();
  const prometheus = new LocalPrometheus();
  const slack = new SlackReceiver();
  let api: CanaryApi;

  afterAll(async () => {
    await container.stop();
    await Promise.all([prometheus.stop(), exporter.stop(), slack.stop()]);
    await ns?.dispose();
  });

  it("holds production dependencies only, and runs as the non-root node user", async () => {
    const { stdout } = await run(
      "buildah",
      [
        "run",
        "--user",
        "node",
        await fromImage(operatorImage),
        "--",
        "sh",
        "-c",
        "id -un; ls /app/node_modules; ls /app/dist",
      ],
      { env: { ...process.env, BUILDAH_ISOLATION: "chroot" } },
    );
    const [user, ...entries] = stdout.trim().split("\n");
    expect(user).toBe("node");
    for (const dev of [
      "vitest",
      "typescript",
      "eslint",
      "prettier",
      "puppeteer-core",
    ])
      expect(entries, dev).not.toContain(dev);
    expect(entries).toEqual(
      expect.arrayContaining([
        "@kubernetes",
        "pino",
        "prom-client",
        "src",
        "loadtester",
      ]),
    );
    console.info(
      `image sizes: ${operatorImage} ${await imageSize(operatorImage)}, ${loadtesterImage} ${await imageSize(loadtesterImage)}`,
    );
  });

  it("with the chart's arguments, promotes 6.0.1 and rolls back 6.0.2 on the local cluster", async () => {
    ns = await createTestNamespace("image");
    api = new CanaryApi(kubeConfig(), ns.name);
    const cluster = (role: string) =>
      `${ns.name}-podinfo-${role}upstream-9898_${ns.name}`;
    const healthy = { rps: 50, errorRate: 0, latencyMs: 20 };
    exporter.setTraffic(cluster("canary"), healthy);
    exporter.setTraffic(cluster("primary"), healthy);
    await exporter.start();
    await prometheus.start([`127.0.0.1:${exporter.port}`]);
    await slack.start();
    // The operator's arguments and environment exactly as the chart renders them for these values.
    const helm = (
      await run("bash", [join(repoRoot, "scripts/helm.sh")])
    ).stdout.trim();
    const rendered = (
      await run(helm, [
        "template",
        "siskin",
        join(repoRoot, "charts/siskin"),
        "--namespace",
        "siskin-system",
        "--set",
        "meshProvider=gloo",
        "--set",
        `metricsServer=${prometheus.url}`,
        "--set",
        `slack.url=${slack.url}`,
        "--set",
        "slack.channel=general",
        "--set",
        `namespace=${ns.name}`,
      ])
    ).stdout;
    const deployment = parseAllDocuments(rendered)
      .map((d) => d.toJS() as { kind?: string; spec?: any }) // eslint-disable-line @typescript-eslint/no-explicit-any
      .find((o) => o?.kind === "Deployment");
    const spec = deployment?.spec.template.spec.containers[0] as {
      args: string[];
      env: { name: string; value?: string }[];
    };
    const env: Record<string, string> = { POD_NAMESPACE: "siskin-system" };
    for (const e of spec.env) if (e.value !== undefined) env[e.name] = e.value;
    // $(VAR) in arguments is expanded from the container's environment, as the kubelet does.
    const port = await freeLoopbackPort();
    const args = spec.args
      .map((a) =>
        a.replace(/\$\(([A-Z_]+)\)/g, (_m, name: string) => env[name] ?? ""),
      )
      // The container's port is the pod's own; here the host network is shared, so a free one.
      .map((a) => (a === "--port=8080" ? `--port=${port}` : a));
    // A kubeconfig that carries its CA and token itself: the container sees no host paths.
    const state = clusterState();
    const standalone = join(
      mkdtempSync(join(tmpdir(), "siskin-image-kc-")),
      "kubeconfig",
    );
    writeFileSync(
      standalone,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "local",
            cluster: {
              server: state.server,
              "certificate-authority-data": readFileSync(state.caFile).toString(
                "base64",
              ),
            },
          },
        ],
        users: [{ name: "admin", user: { token: state.token } }],
        contexts: [
          { name: "local", context: { cluster: "local", user: "admin" } },
        ],
        "current-context": "local",
      }),
    );
    // Under /tmp: buildah mounts a file only where its folder exists in the image.
    const mounted = "/tmp/kubeconfig";
    await container.start(operatorImage, [...args, `--kubeconfig=${mounted}`], {
      env,
      mounts: { [standalone]: mounted },
    });
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      {
        timeoutMs: 60_000,
        what: () =>
          `the operator in its image ready (log:\n${container.logTail(20)})`,
      },
    );

    await api.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: podinfoDeployment(ns.name),
    });
    // The chart sets no --min-analysis-interval: the default 10 s minimum applies.
    const canary = podinfoCanary(ns.name, {
      interval: "10s",
      stepWeight: 50,
      maxWeight: 50,
      threshold: 1,
    });
    delete canary.spec.autoscalerRef;
    canary.spec.analysis.metrics = canary.spec.analysis.metrics?.map((m) => ({
      ...m,
      interval: "10s",
    }));
    await api.createCanary(canary);
    const phase = (wanted: string) =>
      eventually(async () => (await api.status()).phase === wanted, {
        timeoutMs: 120_000,
        what: () =>
          `${wanted} (operator in its image:\n${container.logTail(15)})`,
      });
    await phase("Initialized");
    const weights = new WeightRecorder();
    await weights.start(api);
    await api.setImage("podinfo", podinfoImage("6.0.1"));
    await phase("Succeeded");
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    exporter.setTraffic(cluster("canary"), {
      rps: 50,
      errorRate: 0.5,
      latencyMs: 20,
    });
    await api.setImage("podinfo", podinfoImage("6.0.2"));
    await phase("Failed");
    await eventually(async () => weights.seen.at(-1) === 0, {
      what: "routes back on the primary",
    });
    weights.stop();
    expect(weights.seen).toEqual([0, 50, 0, 50, 0]);
    expect(await api.image("podinfo-primary")).toBe(podinfoImage("6.0.1"));
    await slack.textContaining("Rolling back");
    // The image's own configuration ran: its entrypoint, as the node user.
    expect(container.config.User).toBe("node");
    expect(container.config.Entrypoint).toEqual([
      "node",
      ...operatorNodeFlags,
      "dist/src/main.js",
    ]);
  });
});

describe("the load tester image", () => {
  const container = new ImageProcess();
  let receiver: HttpRecorder;

  afterAll(async () => {
    await container.stop();
    await receiver?.stop();
  });

  it("runs the acceptance test task with its own curl and grep", async () => {
    receiver = await new HttpRecorder().start();
    receiver.respond = (r) =>
      r.path === "/token"
        ? { status: 200, body: '{"token":"abc"}' }
        : { status: 404, body: "no" };
    const port = await freeLoopbackPort();
    await container.start(loadtesterImage, [
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      "--gates-file=/tmp/gates.json",
    ]);
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
      {
        what: () =>
          `the load tester in its image (log:\n${container.logTail(10)})`,
      },
    );
    const post = async (cmd: string) => {
      const answer = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        body: JSON.stringify({
          name: "podinfo",
          namespace: "apps",
          metadata: { type: "bash", cmd },
        }),
      });
      return { status: answer.status, body: await answer.text() };
    };
    expect(
      await post(`curl -sd 'test' ${receiver.url}/token | grep token`),
    ).toEqual({ status: 200, body: '{"token":"abc"}' });
    expect(
      (await post(`curl -sd 'test' ${receiver.url}/nothing | grep token`))
        .status,
    ).toBe(400);
    expect(
      receiver.requests.map((r) => `${r.method} ${r.path} ${r.body}`),
    ).toEqual(["POST /token test", "POST /nothing test"]);
    expect(container.config.User).toBe("node");
  });
});

async function fromImage(image: string): Promise<string> {
  const { stdout } = await run("buildah", ["from", "--quiet", image], {
    env: { ...process.env, BUILDAH_ISOLATION: "chroot" },
  });
  return stdout.trim();
}
