import { describe, expect, it } from "vitest";
import { parseHey, shellWords } from "./hey-args.ts";

describe("hey command line", () => {
  it("reads the seed's load test as hey would", () => {
    const parsed = parseHey(
      "hey -z 2m -q 5 -c 2 -host podinfo.example.com http://gateway-proxy.gloo-system",
    );
    expect(parsed).toEqual({
      ok: true,
      plan: {
        url: "http://gateway-proxy.gloo-system",
        method: "GET",
        requests: 200,
        durationMs: 120_000,
        concurrency: 2,
        ratePerWorker: 5,
        headers: { host: "podinfo.example.com" },
        timeoutMs: 20_000,
        keepAlive: true,
      },
    });
  });

  it("keeps quoted words together", () => {
    expect(shellWords(`hey -H "X-A: b c" -d '{"k": 1}' http://x`)).toEqual([
      "hey",
      "-H",
      "X-A: b c",
      "-d",
      '{"k": 1}',
      "http://x",
    ]);
  });

  it.each([
    ["hey -x http://proxy:1 http://x", "-x (proxy)"],
    ["hey -z soon http://x", 'hey -z "soon" is not a duration'],
    ["hey -n 1 -c 5 http://x", "-n cannot be less than -c"],
    ["hey -c 0 http://x", "-c must be a positive integer"],
    ["hey -n 10", "needs a URL"],
    ["hey -Z 1 http://x", "hey flag -Z is not supported"],
    ["hey -H nocolon http://x", 'is not "Name: value"'],
  ])("refuses %s", (cmd, error) => {
    const parsed = parseHey(cmd);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(error);
  });
});
