// The load tester's command policy against hostile commands, judged by what they could do: each one is
// sent to the real load tester and must be refused or run without side effect. Afterwards the marker
// file still exists, no new file appeared, and no request the local receiver saw carries the secret.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpRecorder } from "../dev/services/http-recorder.ts";
import { LoadTesterProcess } from "../dev/services/loadtester.ts";

const canary = { name: "podinfo", namespace: "apps" };
let receiver: HttpRecorder;
let tester: LoadTesterProcess;

beforeAll(async () => {
  receiver = await new HttpRecorder().start();
  tester = await new LoadTesterProcess().start();
});
afterAll(async () => {
  await tester?.stop();
  await receiver?.stop();
});

function hostileCommands(url: string, dir: string) {
  const secret = join(dir, "token");
  const marker = join(dir, "marker");
  const out = join(dir, "written");
  const cmds = [
    // substitution in every quoting form, arithmetic, parameter expansion
    `curl -s ${url}/$(rm -f ${marker})`,
    `curl -s "${url}/$(rm -f ${marker})"`,
    `curl -s '${url}/$(rm -f ${marker})'`,
    `curl -s ${url}/\`rm -f ${marker}\``,
    `curl -s "${url}/\`rm -f ${marker}\`"`,
    `curl -s ${url}/$((1+1))`,
    `curl -s ${url}/\${HOME}`,
    `curl -s "${url}/$(cat ${secret})"`,
    `curl -s <(cat ${secret}) ${url}/`,
    // $IFS, environment variables
    `curl\${IFS}-o\${IFS}${out}\${IFS}${url}/`,
    `curl$IFS-d$IFS@${secret}$IFS${url}/`,
    `curl -s ${url}/$KUBERNETES_SERVICE_HOST`,
    `x=1 rm -f ${marker}`,
    // newline, carriage return and NUL tricks
    `curl -s ${url}/\nrm -f ${marker}`,
    `curl -s ${url}/\rrm -f ${marker}`,
    `curl -s ${url}/\0-o${out}`,
    // lists, pipes, background, subshells, comments
    `curl -s ${url}/ ; rm -f ${marker}`,
    `curl -s ${url}/ && rm -f ${marker}`,
    `curl -s ${url}/ || rm -f ${marker}`,
    `curl -s ${url}/ | rm -f ${marker}`,
    `curl -s ${url}/ & rm -f ${marker}`,
    `( rm -f ${marker} )`,
    `curl -s ${url}/ # ; rm -f ${marker}`,
    // redirections
    `curl -s ${url}/ > ${out}`,
    `curl -s ${url}/ >> ${out}`,
    `curl -s ${url}/ 2> ${out}`,
    `curl -s -d @- ${url}/ < ${secret}`,
    // globbing
    `curl -s ${url}/*`,
    `grep token ${dir}/*`,
    // curl writing files
    `curl -o ${out} ${url}/`,
    `curl -so${out} ${url}/`,
    `curl -s ${url}/ -o ${out}`,
    `curl --output ${out} ${url}/`,
    `curl --output=${out} ${url}/`,
    `curl -O ${url}/written`,
    `curl -D ${out} ${url}/`,
    `curl -c ${out} ${url}/`,
    `curl --trace ${out} ${url}/`,
    `curl --stderr ${out} ${url}/`,
    // curl reading or sending local files
    `curl -d @${secret} ${url}/`,
    `curl -d "@${secret}" ${url}/`,
    `curl -sd@${secret} ${url}/`,
    `curl --data-binary @${secret} ${url}/`,
    `curl --data-urlencode x@${secret} ${url}/`,
    `curl -F f=@${secret} ${url}/`,
    `curl -F "f=<${secret}" ${url}/`,
    `curl -T ${secret} ${url}/`,
    `curl --upload-file ${secret} ${url}/`,
    `curl -K ${secret} ${url}/`,
    `curl -H @${secret} ${url}/`,
    `curl -w @${secret} ${url}/`,
    `curl -b ${secret} ${url}/`,
    `curl file://${secret}`,
    `curl --url file://${secret}`,
    `curl -s ${url}/ | grep x ${secret}`,
    // grep reading files
    `grep -r token ${dir}`,
    `grep token ${secret}`,
    `grep -f ${secret}`,
    // other programs and paths
    `sh -c 'rm -f ${marker}'`,
    `bash -c "rm -f ${marker}"`,
    `env rm -f ${marker}`,
    `/usr/bin/curl -o ${out} ${url}/`,
  ];
  return { cmds, secret, marker, out };
}

describe("hostile commands", { timeout: 60_000 }, () => {
  it("are refused or run without side effect", async () => {
    const value = `TOPSECRET-${randomBytes(6).toString("hex")}`;
    const { cmds, secret, marker, out } = hostileCommands(
      receiver.url,
      tester.dir,
    );
    expect(cmds.length).toBeGreaterThanOrEqual(40);
    writeFileSync(secret, value);
    writeFileSync(marker, "keep");
    const filesBefore = readdirSync(tester.dir).sort();
    const outcomes: Record<string, number> = {};
    for (const cmd of cmds) {
      const answer = await tester.post("/", {
        ...canary,
        metadata: { type: "bash", cmd, timeout: "5s" },
      });
      outcomes[cmd] = answer.status;
      if (answer.status === 403)
        expect(answer.body, cmd).toMatch(/^command refused: /);
    }
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tester.dir).sort()).toEqual(filesBefore);
    for (const r of receiver.requests) {
      const seen = `${r.path} ${JSON.stringify(r.headers)} ${r.body}`;
      expect(seen, `${r.method} ${r.path}`).not.toContain(value);
    }
    // Almost all are refused outright; the rest ran as plain curl calls with literal arguments.
    const ran = Object.entries(outcomes).filter(([, status]) => status !== 403);
    expect(ran.map(([cmd]) => cmd)).toEqual([
      `curl -s '${receiver.url}/$(rm -f ${marker})'`,
    ]);
  });

  it("still runs the seed's acceptance test as a pipeline", async () => {
    receiver.respond = (r) =>
      r.path === "/token"
        ? { status: 200, body: '{"token":"abc"}' }
        : { status: 200, body: "ok" };
    const answer = await tester.post("/", {
      ...canary,
      metadata: {
        type: "bash",
        cmd: `curl -sd 'test' ${receiver.url}/token | grep token`,
      },
    });
    expect(answer).toEqual({ status: 200, body: '{"token":"abc"}' });
    const failing = await tester.post("/", {
      ...canary,
      metadata: {
        type: "bash",
        cmd: `curl -sd 'test' ${receiver.url}/nothing | grep token`,
      },
    });
    expect(failing).toEqual({ status: 400, body: "exit status 1" });
  });
});
