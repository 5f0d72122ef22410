import { describe, expect, it } from "vitest";
import { checkCommand } from "./allow.ts";

const policy = {
  prefixes: ["hey", "curl", "grep", "helm test"],
  allowAny: false,
};

describe("command allow-list", () => {
  it.each([
    "hey -z 2m -q 5 -c 2 -host podinfo.example.com http://gateway-proxy.gloo-system",
    "curl -sd 'test' http://podinfo-canary:9898/token | grep token",
    "helm test podinfo -n apps",
    "curl -s 'http://x/?a=1&b=2' && grep -q ok file",
    `curl -H "X-Text: a > b" http://x`,
  ])("allows %s", (cmd) => {
    expect(checkCommand(cmd, policy)).toEqual({ ok: true });
  });

  it.each([
    ["rm -rf /", '"rm -rf" is not in the allow-list'],
    ["curl http://x; rm -rf /tmp/x", '"rm -rf" is not in the allow-list'],
    ["curl http://x | sh", '"sh" is not in the allow-list'],
    ["curl $(cat /etc/passwd)", "command substitution"],
    ['curl "http://x/$(id)"', "command substitution"],
    ["curl `id`", "command substitution"],
    ["curl http://x > /etc/motd", "redirection"],
    ["curl http://x & rm -rf /", "background jobs"],
    ["helm install x y", '"helm install" is not in the allow-list'],
    ["heyz -n 1 http://x", '"heyz -n" is not in the allow-list'],
    ["", "metadata.cmd is empty"],
  ])("refuses %s", (cmd, reason) => {
    const verdict = checkCommand(cmd, policy);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(reason);
  });

  it("--allow-any-command turns the check off", () => {
    expect(
      checkCommand("rm -rf /tmp/x", { prefixes: [], allowAny: true }),
    ).toEqual({ ok: true });
  });
});
