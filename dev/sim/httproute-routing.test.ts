import { describe, expect, it } from "vitest";
import { resolveHttpRoute, type HttpRoute } from "./httproute-routing.ts";
import { smoothWeightedPicker } from "./routing.ts";

const route = (
  rules: HttpRoute["spec"]["rules"],
  hostnames = ["podinfo.example.com"],
): HttpRoute => ({
  metadata: { name: "podinfo", namespace: "apps" },
  spec: { hostnames, rules },
});
const req = (path: string, headers: Record<string, string> = {}) => ({
  host: "podinfo.example.com:8080",
  path,
  method: "GET",
  headers,
});

describe("HTTPRoute routing (simulator)", () => {
  const routes = [
    route([
      {
        name: "siskin-sticky-canary",
        matches: [
          {
            path: { type: "PathPrefix", value: "/" },
            headers: [
              { name: "Cookie", type: "RegularExpression", value: ".*c=abc.*" },
            ],
          },
        ],
        backendRefs: [{ name: "podinfo-canary", weight: 100 }],
      },
      {
        name: "siskin-weighted",
        matches: [{ path: { type: "PathPrefix", value: "/" } }],
        backendRefs: [
          { name: "podinfo-primary", weight: 80 },
          { name: "podinfo-canary", weight: 20 },
        ],
      },
      {
        matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
        backendRefs: [{ name: "docs" }],
      },
    ]),
  ];

  it("splits by weight exactly over any stretch of requests", () => {
    const pick = smoothWeightedPicker();
    const names = Array.from({ length: 100 }, () => {
      const c = resolveHttpRoute(routes, req("/"), pick);
      return "error" in c ? "error" : c.backend.name;
    });
    expect(names.filter((n) => n === "podinfo-canary")).toHaveLength(20);
  });

  it("prefers the more specific match: a header match, a longer prefix", () => {
    const pick = smoothWeightedPicker();
    const sticky = resolveHttpRoute(
      routes,
      req("/", { cookie: "x=1; c=abc" }),
      pick,
    );
    expect("error" in sticky ? sticky.error : sticky.backend.name).toBe(
      "podinfo-canary",
    );
    const docs = resolveHttpRoute(routes, req("/docs/a"), pick);
    expect("error" in docs ? docs.error : docs.backend.name).toBe("docs");
  });

  it("answers for unknown hosts with why", () => {
    const other = resolveHttpRoute(
      routes,
      { ...req("/"), host: "other" },
      smoothWeightedPicker(),
    );
    expect(other).toEqual({ error: "no HTTPRoute rule matches other/" });
  });
});
