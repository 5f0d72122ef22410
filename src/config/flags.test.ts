import { describe, expect, it } from "vitest";
import { parseOperatorFlags } from "./flags.ts";

const providers = ["gloo", "kubernetes"];

describe("parseOperatorFlags", () => {
  it("takes the seed's Helm flags and freezes the result", () => {
    const result = parseOperatorFlags(
      [
        "--mesh-provider=gloo",
        "--slack-url=https://hooks.slack.com/services/X",
        "--slack-channel=general",
        "--cluster-name=eks-prod",
      ],
      providers,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      meshProvider: "gloo",
      clusterName: "eks-prod",
      minAnalysisIntervalMs: 10_000,
      port: 8080,
    });
    expect(result.config.slack).toEqual({
      url: "https://hooks.slack.com/services/X",
      channel: "general",
      user: "siskin",
    });
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it.each([
    ["warning", "warn"],
    ["fatal", "error"],
    ["debug", "debug"],
  ])("accepts Flagger's log level %s (as %s)", (given, level) => {
    const result = parseOperatorFlags([`--log-level=${given}`], providers);
    expect(result.ok && result.config.logLevel).toBe(level);
  });

  it("takes Flagger's -slack-token (a bot token) with the chat.postMessage URL", () => {
    const ok = parseOperatorFlags(
      [
        "--slack-url=https://slack.com/api/chat.postMessage",
        "--slack-token=xoxb-1",
        "--slack-channel=releases",
      ],
      providers,
    );
    expect(ok.ok && ok.config.slack).toMatchObject({
      url: "https://slack.com/api/chat.postMessage",
      token: "xoxb-1",
      channel: "releases",
    });
    expect(parseOperatorFlags(["--slack-token=xoxb-1"], providers)).toEqual({
      ok: false,
      problems: [
        "--slack-token: set --slack-url too (https://slack.com/api/chat.postMessage for a bot token)",
      ],
    });
  });

  it("lists every problem at once, each naming its flag", () => {
    const result = parseOperatorFlags(
      [
        "--mesh-provider=istoi",
        "--metrics-server=prometheus",
        "--log-level=loud",
        "--port=x",
        "--min-analysis-interval=soon",
      ],
      providers,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        '--mesh-provider: unknown provider "istoi"; supported: gloo, kubernetes',
        '--metrics-server: "prometheus" is not an http(s) URL, for example http://prometheus:9090',
        '--log-level: "loud" is not one of debug, info, warn, error (or Flagger\'s warning, dpanic, panic, fatal)',
        '--port: "x" is not a port number',
        '--min-analysis-interval: "soon" is not a duration like 10s',
      ],
    });
  });

  it("rejects unknown flags", () => {
    const result = parseOperatorFlags(["--mesh=gloo"], providers);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatch(/--mesh/);
  });
});
