// The load tester survives any request: malformed payloads, hey commands Node could not send, names
// that are not Kubernetes names, bodies too large, connections cut mid-request and more tasks or gates
// than its caps allow. Each hostile request must get a 4xx naming what to fix, and after each one the
// process is still alive and answering; the gate store still takes a good write; no header value
// reaches the log.
import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../dev/services/http-recorder.ts";
import { LoadTesterProcess } from "../dev/services/loadtester.ts";

let target: HttpRecorder;
let tester: LoadTesterProcess;
const canary = { name: "podinfo", namespace: "apps" };
const tried: Record<string, number> = {};

beforeAll(async () => {
  target = await new HttpRecorder().start();
  tester = await new LoadTesterProcess([
    "--max-tasks=3",
    "--max-tasks-per-namespace=2",
    "--max-open-gates=3",
    "--task-timeout=1h",
  ]).start();
});
afterAll(async () => {
  await tester?.stop();
  await target?.stop();
  const counts = Object.entries(tried)
    .map(([surface, n]) => `${surface} ${n}`)
    .join(", ");
  process.stdout.write(`load tester: hostile requests tried: ${counts}\n`);
});

async function alive(): Promise<void> {
  const health = await fetch(`${tester.url}/healthz`).catch(
    (e: Error) => ({ ok: false, status: e.message }) as const,
  );
  expect(
    health.ok,
    `the load tester stopped answering\n${tester.logTail()}`,
  ).toBe(true);
}

async function postRaw(path: string, body: string) {
  const response = await fetch(`${tester.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: response.status, body: await response.text() };
}

const task = (cmd: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...canary, metadata: { type: "cmd", cmd, ...extra } });

describe("the load tester survives any request", { timeout: 60_000 }, () => {
  it("refuses each malformed hey command with the reason and keeps running", async () => {
    const url = target.url;
    // [command, what the answer must name]; each would have thrown while sending before.
    const cases: [string, RegExp][] = [
      [`hey -n 2 -c 1 -m 'GE T' ${url}/`, /-m "GE T" is not an HTTP method/],
      [`hey -n 2 -c 1 -m 'GET/' ${url}/`, /is not an HTTP method/],
      [`hey -n 2 -c 1 -m "" ${url}/`, /is not an HTTP method/],
      [`hey -n 2 -c 1 -H 'Bad Name: x' ${url}/`, /header name/],
      [`hey -n 2 -c 1 -H 'X(y): x' ${url}/`, /header name/],
      [`hey -n 2 -c 1 -H ': x' ${url}/`, /header name/],
      [`hey -n 2 -c 1 -H 'X-A: a\u0001b' ${url}/`, /control character/],
      [
        `hey -n 2 -c 1 -host 'a\u0007b' ${url}/`,
        /-host has a control character/,
      ],
      [`hey -n 2 -c 1 -T 'text/\u007f' ${url}/`, /-T has a control character/],
      [`hey -n 2 -c 1 'http://[::1'`, /is not a valid URL/],
      [`hey -n 2 -c 1 'http://exa mple/'`, /is not a valid URL/],
      [`hey -n 2 -c 1 http://`, /is not a valid URL|has no host/],
      [`hey -n 2 -c 1 'http://:80/'`, /is not a valid URL|has no host/],
      [`hey -n 2 -c 1 ftp://127.0.0.1/`, /starting with http/],
      [
        `hey -c 100000 -z 1s ${url}/`,
        /-c asks for 100000, over .* --max-concurrency of 500/,
      ],
      [`hey -n 1000000000 -c 1 ${url}/`, /--max-requests/],
      [`hey -z 100h -c 1 ${url}/`, /--max-duration/],
      [`hey -t 100000 -n 2 -c 1 ${url}/`, /--max-request-timeout/],
      [`hey -c 0 -n 2 ${url}/`, /-c must be a positive integer/],
      [`hey -n -1 -c 1 ${url}/`, /-n must be a positive integer/],
      [`hey -n 1.5 -c 1 ${url}/`, /-n must be a positive integer/],
      [`hey -q NaN -n 2 -c 1 ${url}/`, /-q must be a number/],
      [`hey -z 0s -c 1 ${url}/`, /-z "0s" is not a duration/],
      [`hey -n 2 -c 1 -x http://127.0.0.1:1 ${url}/`, /-x \(proxy\)/],
      [`hey -n 2 -c 1 -D /etc/passwd ${url}/`, /-D is not supported/],
      [`hey -n 2 -c 1 ${url}/ extra`, /unexpected argument/],
      [`hey -n`, /needs a value/],
    ];
    for (const type of ["cmd", "bash"]) {
      for (const [cmd, reason] of cases) {
        const answer = await postRaw("/", task(cmd, { type }));
        expect(answer.status, cmd).toBe(400);
        expect(answer.body, cmd).toMatch(reason);
        tried.hey = (tried.hey ?? 0) + 1;
        await alive();
      }
    }
    expect(target.requests).toHaveLength(0);
  });

  it("refuses malformed payloads and names with the field to fix", async () => {
    const big = "x".repeat(20_000);
    const cases: [string, string, number, RegExp][] = [
      ["/", "not json", 400, /not JSON/],
      ["/", "[]", 400, /payload.name is missing/],
      ["/", "null", 400, /not a JSON object/],
      ["/", "7", 400, /not a JSON object/],
      ["/", '{"name":5,"namespace":"apps"}', 400, /payload.name is missing/],
      [
        "/",
        JSON.stringify({ ...canary, metadata: [] }),
        400,
        /payload.metadata is not an object/,
      ],
      [
        "/",
        JSON.stringify({ ...canary, metadata: "cmd" }),
        400,
        /payload.metadata is not an object/,
      ],
      [
        "/",
        JSON.stringify({ ...canary, metadata: { cmd: 5 } }),
        400,
        /payload.metadata.cmd is not a string/,
      ],
      [
        "/",
        JSON.stringify({ ...canary, metadata: { cmd: { a: 1 } } }),
        400,
        /metadata.cmd is not a string/,
      ],
      [
        "/",
        JSON.stringify({ ...canary, metadata: { type: ["cmd"], cmd: "hey" } }),
        400,
        /metadata.type is not a string/,
      ],
      [
        "/",
        task(`curl ${big}`),
        400,
        /metadata.cmd is longer than 16384 bytes/,
      ],
      [
        "/",
        task(`hey -n 2 -c 1 ${target.url}/`, { timeout: "1000h" }),
        400,
        /longer than .*--task-timeout/,
      ],
      [
        "/",
        task(`hey -n 2 -c 1 ${target.url}/`, { timeout: "0s" }),
        400,
        /metadata.timeout "0s"/,
      ],
      [
        "/",
        task(`hey -n 2 -c 1 ${target.url}/`, { timeout: "soon" }),
        400,
        /metadata.timeout "soon"/,
      ],
      [
        "/",
        JSON.stringify({ ...canary, metadata: { type: "helm", cmd: "x" } }),
        400,
        /metadata.type "helm"/,
      ],
    ];
    const names: [string, string][] = [
      ["Podinfo", "apps"],
      ["pod/info", "apps"],
      ["pod info", "apps"],
      ["pod\ninfo", "apps"],
      ["pod.info.", "apps"],
      ["x".repeat(254), "apps"],
      ["podinfo", "Apps"],
      ["podinfo", "a".repeat(64)],
      ["podinfo", "apps.prod"],
      ["podinfo", "../kube-system"],
    ];
    for (const path of [
      "/",
      "/gate/open",
      "/gate/check",
      "/rollback/open",
      "/gate/close",
    ])
      for (const [name, namespace] of names)
        cases.push([
          path,
          JSON.stringify({ name, namespace, metadata: { cmd: "hey" } }),
          400,
          /payload.(name|namespace) ".*" is not an? (object|namespace) name/s,
        ]);
    cases.push(["/", "x".repeat(2 << 20), 413, /body larger than/]);
    for (const [path, body, status, reason] of cases) {
      const answer = await postRaw(path, body);
      expect(answer.status, `${path} ${body.slice(0, 80)}`).toBe(status);
      expect(answer.body, `${path} ${body.slice(0, 80)}`).toMatch(reason);
      tried.payload = (tried.payload ?? 0) + 1;
      await alive();
    }
    // The gate store was never handed a bad key: a good gate still opens and is stored.
    expect(await tester.post("/gate/open", canary)).toEqual({
      status: 200,
      body: "gate opened",
    });
    const stored = JSON.parse(
      readFileSync(join(tester.dir, "gates.json"), "utf8"),
    ) as Record<string, boolean>;
    expect(stored).toEqual({ "gate.apps.podinfo": true });
    await tester.post("/gate/close", canary);
  });

  it("survives connections cut mid-request and malformed HTTP", async () => {
    const port = Number(new URL(tester.url).port);
    const raw = [
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"name":',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam',
      "GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /gate/../../ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
      "BREW / HTTP/1.1\r\n\r\n",
      "\u0000\u0001\u0002garbage\r\n\r\n",
    ];
    for (const bytes of raw) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.write(bytes);
          // Cut the connection before the body is complete (or just after a complete one).
          setImmediate(() => socket.destroy());
        });
        socket.on("close", () => resolve());
        socket.on("error", () => resolve());
      });
      tried.transport = (tried.transport ?? 0) + 1;
      await alive();
    }
  });

  it("caps tasks overall and per namespace (429), and frees the slots when tasks end", async () => {
    const long = (n: number, namespace: string) =>
      JSON.stringify({
        name: "podinfo",
        namespace,
        metadata: {
          type: "cmd",
          cmd: `hey -z 30s -q 1 -c 1 ${target.url}/slow${n}`,
          timeout: "4s",
        },
      });
    expect((await postRaw("/", long(1, "apps"))).status).toBe(202);
    expect((await postRaw("/", long(2, "apps"))).status).toBe(202);
    const perNamespace = await postRaw("/", long(3, "apps"));
    expect(perNamespace).toEqual({
      status: 429,
      body: "2 tasks are running for namespace apps (--max-tasks-per-namespace); try again later",
    });
    // Another tenant still gets a slot, up to the overall cap.
    expect((await postRaw("/", long(4, "test"))).status).toBe(202);
    expect(await postRaw("/", long(5, "test"))).toEqual({
      status: 429,
      body: "3 tasks are running (--max-tasks); try again later",
    });
    // A blocking task is counted too.
    const blocking = await postRaw(
      "/",
      task(`hey -n 1 -c 1 ${target.url}/b`, { type: "bash" }),
    );
    expect(blocking.status).toBe(429);
    tried.caps = 3;
    // The 4 s task timeout ends the running ones; then the slots are free again.
    const deadline = Date.now() + 15_000;
    let again = await postRaw("/", long(3, "apps"));
    while (again.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      again = await postRaw("/", long(3, "apps"));
    }
    expect(again.status).toBe(202);
    await alive();
  });

  it("caps open gates (429) and a closed gate frees its place", async () => {
    const gate = (name: string) => ({ name, namespace: "apps" });
    for (const name of ["a", "b", "c"])
      expect((await tester.post("/gate/open", gate(name))).status).toBe(200);
    expect(await tester.post("/rollback/open", gate("d"))).toEqual({
      status: 429,
      body: "3 gates are open (--max-open-gates); close some with /gate/close or /rollback/close",
    });
    // Re-opening an open gate is not a new one.
    expect((await tester.post("/gate/open", gate("a"))).status).toBe(200);
    expect((await tester.post("/gate/close", gate("b"))).status).toBe(200);
    expect((await tester.post("/rollback/open", gate("d"))).status).toBe(200);
    const stored = JSON.parse(
      readFileSync(join(tester.dir, "gates.json"), "utf8"),
    ) as Record<string, boolean>;
    expect(Object.keys(stored).sort()).toEqual([
      "gate.apps.a",
      "gate.apps.c",
      "rollback.apps.d",
    ]);
    tried.gates = 2;
    for (const name of ["a", "c"]) await tester.post("/gate/close", gate(name));
    await tester.post("/rollback/close", gate("d"));
  });

  it("never writes a header value or credential to its log", async () => {
    const secret = "Bearer-s3cr3t-9f2c";
    const cmd = `hey -n 2 -c 1 -H 'Authorization: ${secret}' -a user:${secret} ${target.url}/auth`;
    const answer = await postRaw("/", task(cmd, { type: "bash" }));
    expect(answer.status).toBe(200);
    expect(target.requests.filter((r) => r.path === "/auth")).toHaveLength(2);
    const refused = await postRaw(
      "/",
      task(`curl -H 'X-Key: ${secret}' ${target.url}/ > /tmp/x`),
    );
    expect(refused.status).toBe(403);
    const log = readFileSync(tester.logPath, "utf8");
    expect(log).toContain('"msg":"task started"');
    expect(log).toContain("Authorization: [redacted]");
    expect(log).not.toContain(secret);
  });
});
