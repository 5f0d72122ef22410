// How kubectl-siskin reaches the API server, as kubectl does: a cluster's proxy-url (through a real
// HTTP CONNECT proxy on loopback), an exec plugin that returns a client certificate, an interactive
// plugin without a terminal refused with the reason, and kubectl's --token, --as and --server flags
// (the API server's answers show who it took the caller for).
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { cliEntry, kubectlSiskin } from "../support/cli.ts";
import {
  clusterState,
  createTestNamespace,
  kubeConfig,
  serviceAccountToken,
} from "../support/cluster.ts";

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: unknown[];
  "current-context": string;
}

let ns = "";
let dispose: () => Promise<void> = async () => {};
let dir = "";
const admin = () =>
  parse(readFileSync(clusterState().kubeconfig, "utf8")) as Kubeconfig;
function writeKubeconfig(name: string, edit: (k: Kubeconfig) => void): string {
  const k = admin();
  edit(k);
  const path = join(dir, name);
  writeFileSync(path, stringify(k));
  return path;
}

let proxy: Server;
const tunnels: string[] = [];
const sockets = new Set<{ destroy: () => void }>();
beforeAll(async () => {
  const namespace = await createTestNamespace("cliconn");
  ns = namespace.name;
  dispose = namespace.dispose;
  dir = mkdtempSync(join(tmpdir(), "siskin-cliconn-"));
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req, client, head) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    sockets.add(client);
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  proxy?.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  await dispose();
});

describe("kubectl-siskin's connection to the API server", () => {
  it("goes through a cluster's proxy-url", async () => {
    const port = (proxy.address() as { port: number }).port;
    const path = writeKubeconfig("proxied", (k) => {
      for (const c of k.clusters)
        c.cluster["proxy-url"] = `http://127.0.0.1:${port}`;
    });
    const before = tunnels.length;
    const got = await kubectlSiskin(ns, `--kubeconfig=${path}`, "get");
    expect(got, got.out).toMatchObject({ code: 0 });
    expect(got.out).toMatch(/No Canaries in namespace/);
    const server = new URL(admin().clusters[0]!.cluster.server as string);
    expect(tunnels.slice(before)).toContain(
      `${server.hostname}:${server.port}`,
    );
  });

  it("uses the client certificate an exec plugin returns; an interactive one without a terminal is refused", async () => {
    // A client certificate the cluster's CA signed (the API server's --client-ca-file), as a cloud
    // provider's plugin would hand one out.
    const pki = join(dirname(clusterState().kubeconfig), "pki");
    const key = join(dir, "exec.key");
    const csr = join(dir, "exec.csr");
    const cert = join(dir, "exec.crt");
    execFileSync(
      "openssl",
      [
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        "/O=system:masters/CN=exec-user",
      ],
      { stdio: "ignore" },
    );
    execFileSync(
      "openssl",
      [
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        join(pki, "ca.crt"),
        "-CAkey",
        join(pki, "ca.key"),
        "-CAcreateserial",
        "-out",
        cert,
        "-days",
        "1",
      ],
      { stdio: "ignore" },
    );
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: {
        clientCertificateData: readFileSync(cert, "utf8"),
        clientKeyData: readFileSync(key, "utf8"),
      },
    };
    const plugin = join(dir, "plugin.mjs");
    writeFileSync(
      plugin,
      `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`,
    );
    const exec = (interactiveMode: string) =>
      writeKubeconfig(`exec-${interactiveMode}`, (k) => {
        k.users[0]!.user = {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: process.execPath,
            args: [plugin],
            interactiveMode,
          },
        };
      });
    const got = await kubectlSiskin(ns, `--kubeconfig=${exec("Never")}`, "get");
    expect(got, got.out).toMatchObject({ code: 0 });
    const refused = await kubectlSiskin(
      ns,
      `--kubeconfig=${exec("Always")}`,
      "get",
    );
    expect(refused.code).toBe(3);
    expect(refused.out).toMatch(/needs a terminal \(interactiveMode: Always\)/);

    // With a terminal (util-linux script gives it one), an interactive plugin asks and is answered,
    // as kubelogin's device-code flow is: its prompt reaches the person, their answer reaches it.
    const asking = join(dir, "asking.mjs");
    writeFileSync(
      asking,
      [
        'import { createInterface } from "node:readline";',
        'process.stderr.write("enter the code shown in your browser: ");',
        "const rl = createInterface({ input: process.stdin });",
        "rl.once('line', (code) => {",
        "  rl.close();",
        `  if (code.trim() !== "4711") { process.stderr.write("wrong code\\n"); process.exit(1); }`,
        `  process.stdout.write(${JSON.stringify(JSON.stringify(credential))});`,
        "});",
      ].join("\n"),
    );
    const interactive = writeKubeconfig("exec-interactive", (k) => {
      k.users[0]!.user = {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: process.execPath,
          args: [asking],
          interactiveMode: "IfAvailable",
        },
      };
    });
    const command = [
      process.execPath,
      cliEntry,
      `--kubeconfig=${interactive}`,
      "-n",
      ns,
      "get",
    ].join(" ");
    const terminal = spawn("script", ["-qfec", command, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    terminal.stdout.on("data", (chunk: Buffer) => {
      screen += chunk.toString();
      if (
        /enter the code shown in your browser/.test(screen) &&
        !screen.includes("4711")
      )
        terminal.stdin.write("4711\n");
    });
    const code = await new Promise<number | null>((resolve) =>
      terminal.on("close", resolve),
    );
    expect(screen).toMatch(/enter the code shown in your browser/);
    expect(screen).toMatch(/No Canaries in namespace/);
    expect(code).toBe(0);
  });

  it("--token, --as and --server are who and where the API server sees", async () => {
    await kubeConfig()
      .makeApiClient(CoreV1Api)
      .createNamespacedServiceAccount({
        namespace: ns,
        body: { metadata: { name: "nobody" } },
      });
    const token = await serviceAccountToken(ns, "nobody");
    const asToken = await kubectlSiskin(ns, "--token", token, "get");
    expect(asToken.code).toBe(3);
    expect(asToken.out).toMatch(
      new RegExp(`system:serviceaccount:${ns}:nobody.*cannot list`),
    );
    const impersonated = await kubectlSiskin(
      ns,
      "--as",
      "jane",
      "--as-group",
      "devs",
      "get",
    );
    expect(impersonated.code).toBe(3);
    expect(impersonated.out).toMatch(/"jane" cannot list/);
    const elsewhere = await kubectlSiskin(
      ns,
      "--server",
      "https://127.0.0.1:9",
      "--request-timeout",
      "2s",
      "get",
    );
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.out).toMatch(/127\.0\.0\.1:9|ECONNREFUSED/);
  });
});
