import { describe, expect, it } from "vitest";
import { JsonPathError, renderJsonPath } from "./jsonpath.ts";
import { parseOutput } from "./get.ts";

// The input of kubectl's JSONPath reference page (kubernetes.io/docs/reference/kubectl/jsonpath).
const input = {
  kind: "List",
  items: [
    {
      kind: "None",
      metadata: {
        name: "127.0.0.1",
        labels: { "kubernetes.io/hostname": "127.0.0.1" },
      },
      status: {
        capacity: { cpu: "4" },
        addresses: [{ type: "LegacyHostIP", address: "127.0.0.1" }],
      },
    },
    {
      kind: "None",
      metadata: { name: "127.0.0.2" },
      status: {
        capacity: { cpu: "8" },
        addresses: [
          { type: "LegacyHostIP", address: "127.0.0.2" },
          { type: "another", address: "127.0.0.3" },
        ],
      },
    },
  ],
  users: [
    { name: "myself", user: {} },
    { name: "e2e", user: { username: "admin", password: "secret" } },
  ],
};

describe("-o jsonpath", () => {
  it.each([
    ["kind is {.kind}", "kind is List"],
    ["{['kind']}", "List"],
    ["{..name}", "127.0.0.1 127.0.0.2 myself e2e"],
    ["{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"],
    ["{.users[0].name}", "myself"],
    ["{.users[-1].name}", "e2e"],
    ["{.users[0:1].name}", "myself"],
    ['{.users[?(@.name=="e2e")].user.password}', "secret"],
    ["{.items[0].metadata.labels['kubernetes.io/hostname']}", "127.0.0.1"],
    [
      "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    ],
    [
      '{range .items[*]}{.metadata.name}{"\\t"}{.status.addresses[-1].address}{"\\n"}{end}',
      "127.0.0.1\t127.0.0.1\n127.0.0.2\t127.0.0.3\n",
    ],
    ["{.missing}", ""],
    // A newline typed into the template (not \n) is taken as it is.
    ['{.kind}{"\n"}', "List\n"],
  ])("%s", (template, expected) => {
    expect(renderJsonPath(template, input)).toBe(expected);
  });

  it("refuses what it cannot read, saying so, before any request", () => {
    expect(() => renderJsonPath("{.items[0,1]}", input)).toThrow(
      /cannot read "\[0,1\]" .*pipe -o json to jq/,
    );
    expect(() => renderJsonPath("{range .items[*]}{.kind}", input)).toThrow(
      /a \{range\} has no \{end\}/,
    );
    expect(() => renderJsonPath("{.users[5].name}", input)).toThrow(
      JsonPathError,
    );
    expect(() => parseOutput("jsonpath={.items[0,1]}")).toThrow(/cannot read/);
    expect(parseOutput("jsonpath='{.metadata.name}'")).toEqual({
      jsonpath: "{.metadata.name}",
    });
    expect(() => parseOutput("go-template")).toThrow(
      /use one of json, yaml, name, wide or jsonpath=TEMPLATE/,
    );
  });
});
