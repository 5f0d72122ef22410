// The option tables are facts about the installed programs: every option `curl --help all` and
// `grep --help` list is known here with the right arity, so a prefix is resolved as the program
// resolves it. Then how words are read (case, prefixes, clusters, =values), and what each policy allows.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { curlPolicy, curlTable } from "./curl.ts";
import { grepPolicy, grepTable } from "./grep.ts";
import { normaliseArgs } from "./normalise.ts";

describe("option tables against the installed programs", () => {
  it("knows every option curl lists, under the name curl stores, with its arity", () => {
    const help = execFileSync("curl", ["--help", "all"], { encoding: "utf8" });
    const listed = [
      ...help.matchAll(/^\s*(?:-(\S), )?--(\S+)(?: (<[^>]+>|\[[^\]]+\]))?/gm),
    ].map(([, short, long = "", arg]) => ({
      short,
      stored: long.startsWith("no-") ? long.slice(3) : long,
      takesValue: arg !== undefined && long !== "help",
    }));
    expect(listed.length).toBeGreaterThan(200);
    for (const { short, stored, takesValue } of listed) {
      expect(curlTable.long.get(stored), stored).toBe(
        takesValue ? "required" : "none",
      );
      if (short) expect(curlTable.short.get(short), short).toBe(stored);
    }
  });

  it("knows every long option grep lists, with its arity", () => {
    const help = execFileSync("grep", ["--help"], { encoding: "utf8" });
    const listed = [...help.matchAll(/--([a-z][a-z-]*)(\[?=)?/g)].map(
      ([, name = "", eq]) => ({
        name,
        arity: eq === "[=" ? "optional" : eq === "=" ? "required" : "none",
      }),
    );
    expect(listed.length).toBeGreaterThan(40);
    for (const { name, arity } of listed)
      if (arity !== "none" || grepTable.long.get(name) === "none")
        expect(grepTable.long.get(name), name).toBe(arity);
      else expect(grepTable.long.has(name), name).toBe(true);
  });
});

describe("reading words as the program does", () => {
  it("curl: any case, unique prefixes, --no-, clustered short options with attached values", () => {
    const read = normaliseArgs(
      ["--OUTPUT", "x", "--upload-f", "y", "--no-buffer", "-sd@f", "http://h/"],
      curlTable,
    );
    expect(read).toEqual({
      words: [
        { option: "output", value: "x", spelled: "--OUTPUT" },
        { option: "upload-file", value: "y", spelled: "--upload-f" },
        { option: "buffer", negated: true, spelled: "--no-buffer" },
        { option: "silent", spelled: "-s" },
        { option: "data", value: "@f", spelled: "-d" },
        { operand: "http://h/" },
      ],
    });
    expect(normaliseArgs(["--dat", "x"], curlTable)).toMatchObject({
      problem: expect.stringMatching(/ambiguous/),
    });
  });

  it("grep: --opt=value, prefixes, optional values only after =, options after operands", () => {
    expect(
      normaliseArgs(["tok", "--director=recurse", "--col", "-nri"], grepTable),
    ).toEqual({
      words: [
        { operand: "tok" },
        {
          option: "directories",
          value: "recurse",
          spelled: "--director=recurse",
        },
        { option: "color", spelled: "--col" },
        { option: "line-number", spelled: "-n" },
        { option: "recursive", spelled: "-r" },
        { option: "ignore-case", spelled: "-i" },
      ],
    });
    expect(normaliseArgs(["--RECURSIVE", "x"], grepTable)).toMatchObject({
      problem: expect.stringMatching(/not an option/),
    });
  });
});

describe("program policies", () => {
  it.each([
    [["-sd", "test", "http://podinfo-canary:9898/token"]],
    [["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://x/"]],
    [["--no-buffer", "--retry", "3", "-H", "X-A: b", "https://x/"]],
    [["-X", "POST", "--json", '{"a":1}', "localhost:9898/api"]],
  ])("curl allows %j, with its safeguards in front", (args) => {
    expect(curlPolicy(args)).toEqual({
      argv: [
        "curl",
        "-q",
        "--globoff",
        "--proto",
        "=http,https",
        "--proto-redir",
        "=http,https",
        ...args,
      ],
    });
  });

  it.each([
    [
      ["--upload-f", "/etc/passwd", "http://x/"],
      "--upload-f (read as --upload-file)",
    ],
    [["--no-globoff", "http://x/"], "would turn off a safeguard"],
    [["{f,h}ile:///etc/passwd"], "not an http or https URL"],
    [["--url-query", "+n@/etc/passwd", "http://x/"], "--url-query [name]@file"],
    [["-o", "/tmp/x", "http://x/"], "--output may only be /dev/null"],
  ])("curl refuses %j", (args, reason) => {
    expect(curlPolicy(args)).toMatchObject({
      problem: expect.stringContaining(reason),
    });
  });

  it("grep allows only filtering options and the pattern", () => {
    expect(grepPolicy(["-qi", "token"])).toEqual({
      argv: ["grep", "-qi", "token"],
    });
    expect(grepPolicy(["--rec", "x"])).toMatchObject({
      problem: expect.stringContaining("--rec (read as --recursive)"),
    });
    expect(grepPolicy(["x", "/etc/passwd"])).toMatchObject({
      problem: expect.stringContaining("no file operands"),
    });
  });
});
