// The load tester as a process, against local HTTP servers: tasks, the hey-compatible generator,
// the allow-list, gates that survive a restart, and the namespace filter.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../dev/services/http-recorder.ts";
import { LoadTesterProcess } from "../dev/services/loadtester.ts";

const canary = { name: "podinfo", namespace: "apps" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The counter value of the load tester's generated requests with this status code. */
function requestsWithCode(metrics: string, code: string): number {
  const line = metrics
    .split("\n")
    .find((l) => l.startsWith(`loadtester_requests_total{code="${code}"}`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

describe("load tester", { timeout: 20_000 }, () => {
  let target: HttpRecorder;
  let tester: LoadTesterProcess;

  beforeAll(async () => {
    target = await new HttpRecorder().start();
    target.respond = (r) =>
      r.path === "/hang"
        ? undefined
        : r.path === "/token" && r.method === "POST"
          ? { status: 200, body: '{"token":"abc"}' }
          : { status: 200, body: "ok" };
    tester = await new LoadTesterProcess([
      "--namespace-regexp=apps|test",
    ]).start();
  });
  afterAll(async () => {
    await tester?.stop();
    await target?.stop();
  });

  it("runs hey -z/-q/-c at the rate the flags ask (within 10%), once per canary and command", async () => {
    const before = target.requests.length;
    const cmd = `hey -z 6s -q 5 -c 2 -host podinfo.example.com ${target.url}/`;
    const first = await tester.post("/", {
      ...canary,
      metadata: { type: "cmd", cmd },
    });
    expect(first).toEqual({ status: 202, body: "started" });
    await sleep(1000);
    // The same command sent again while it runs (every interval, in a canary run) is not started twice.
    expect(
      await tester.post("/", { ...canary, metadata: { type: "cmd", cmd } }),
    ).toEqual({
      status: 202,
      body: "already running",
    });
    await sleep(6000);
    const sent = target.requests.slice(before);
    // 2 workers x 5 requests/s x 6 s = 60 requests.
    expect(sent.length).toBeGreaterThanOrEqual(54);
    expect(sent.length).toBeLessThanOrEqual(66);
    const seconds = ((sent.at(-1)?.at ?? 0) - (sent[0]?.at ?? 0)) / 1000;
    expect(sent.length / seconds).toBeGreaterThan(9);
    expect(sent.length / seconds).toBeLessThan(11.5);
    expect(new Set(sent.map((r) => r.headers.host))).toEqual(
      new Set(["podinfo.example.com"]),
    );
    expect(requestsWithCode(await tester.metrics(), "200")).toBe(sent.length);
    expect(tester.logTail(50)).toMatch(
      /"summary":\{"requests":\d+.*"p95".*"msg":"load test finished"/,
    );
  });

  it("runs hey -n with method, headers and body, exactly n requests", async () => {
    const before = target.requests.length;
    const cmd = `hey -n 40 -c 4 -q 20 -m POST -H "X-Canary: yes" -d '{"a":1}' -T application/json ${target.url}/echo`;
    const answer = await tester.post("/", {
      ...canary,
      metadata: { type: "bash", cmd },
    });
    expect(answer.status).toBe(200);
    const summary = JSON.parse(answer.body) as {
      requests: number;
      statusCodes: Record<string, number>;
    };
    expect(summary.requests).toBe(40);
    expect(summary.statusCodes).toEqual({ "200": 40 });
    const sent = target.requests.slice(before);
    expect(sent).toHaveLength(40);
    expect(sent.every((r) => r.method === "POST" && r.body === '{"a":1}')).toBe(
      true,
    );
    expect(sent[0]?.headers["x-canary"]).toBe("yes");
    expect(sent[0]?.headers["content-type"]).toBe("application/json");
  });

  it("runs the seed's bash acceptance test, blocking, and reports a failing one with its output", async () => {
    const ok = await tester.post("/", {
      ...canary,
      metadata: {
        type: "bash",
        cmd: `curl -sd 'test' ${target.url}/token | grep token`,
      },
    });
    expect(ok).toEqual({ status: 200, body: '{"token":"abc"}' });
    const failing = await tester.post("/", {
      ...canary,
      metadata: {
        type: "bash",
        cmd: `curl -s ${target.url}/healthz | grep token`,
      },
    });
    expect(failing).toEqual({ status: 400, body: "exit status 1" });
    const slow = await tester.post("/", {
      ...canary,
      metadata: {
        type: "bash",
        cmd: `curl -s ${target.url}/hang`, // the target never answers
        timeout: "1s",
      },
    });
    expect(slow).toEqual({ status: 400, body: "timed out" });
  });

  it("refuses commands outside the allow-list and never runs them", async () => {
    const marker = join(tester.dir, "marker");
    writeFileSync(marker, "keep");
    const refused = [
      `rm -f ${marker}`,
      `curl -s ${target.url}/ ; rm -f ${marker}`,
      `curl -s $(rm -f ${marker})`,
      `hey -n 1 -c 1 ${target.url}/ && touch ${marker}.2`,
    ];
    for (const cmd of refused) {
      for (const type of ["bash", "cmd"]) {
        const answer = await tester.post("/", {
          ...canary,
          metadata: { type, cmd },
        });
        expect(answer.status, cmd).toBe(403);
        expect(answer.body).toMatch(/^command refused: /);
      }
    }
    await sleep(300);
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(`${marker}.2`)).toBe(false);
    expect(
      await tester.post("/", {
        ...canary,
        metadata: { type: "bash", cmd: `rm -f ${marker}` },
      }),
    ).toEqual({
      status: 403,
      body: 'command refused: "rm -f" is not in the allow-list (hey, curl, grep); add its prefix with --allow-command',
    });
  });

  it("answers unknown task types, missing fields and other namespaces with what to fix", async () => {
    expect(
      await tester.post("/", {
        ...canary,
        metadata: { type: "helmv3", cmd: "test x" },
      }),
    ).toEqual({
      status: 400,
      body: 'metadata.type "helmv3" is not supported; use cmd or bash',
    });
    expect(
      await tester.post("/", { ...canary, metadata: { type: "bash" } }),
    ).toEqual({
      status: 400,
      body: "metadata.cmd is missing",
    });
    expect(
      await tester.post("/gate/check", { name: "podinfo", namespace: "prod" }),
    ).toEqual({
      status: 403,
      body: "namespace prod is not allowed by --namespace-regexp",
    });
    // Anchored: a namespace merely containing "apps" is not "apps".
    expect(
      (
        await tester.post("/gate/check", {
          name: "podinfo",
          namespace: "myapps",
        })
      ).status,
    ).toBe(403);
  });

  it("keeps gates per canary, and an opened gate stays open across a restart", async () => {
    const other = { name: "other", namespace: "test" };
    expect(await tester.post("/gate/check", canary)).toEqual({
      status: 403,
      body: "gate closed",
    });
    expect(await tester.post("/gate/open", canary)).toEqual({
      status: 200,
      body: "gate opened",
    });
    expect((await tester.post("/gate/check", canary)).status).toBe(200);
    expect((await tester.post("/gate/check", other)).status).toBe(403);
    expect((await tester.post("/rollback/check", canary)).status).toBe(403);
    await tester.post("/rollback/open", other);
    expect((await tester.post("/gate/approve", canary)).status).toBe(200);
    expect((await tester.post("/gate/halt", canary)).status).toBe(403);

    await tester.restart();
    expect(await tester.post("/gate/check", canary)).toEqual({
      status: 200,
      body: "gate open",
    });
    expect(await tester.post("/rollback/check", other)).toEqual({
      status: 200,
      body: "rollback gate open",
    });
    expect((await tester.post("/gate/check", other)).status).toBe(403);
    await tester.post("/gate/close", canary);
    expect((await tester.post("/gate/check", canary)).status).toBe(403);
  });
});
