import { describe, expect, it } from "vitest";
import {
  resolveRoute,
  smoothWeightedPicker,
  type GlooConfig,
} from "./routing.ts";

const up = (name: string) => ({ name, namespace: "apps" });
const config = (weights: [number, number], abHeader = false): GlooConfig => ({
  virtualServices: [
    {
      metadata: { name: "podinfo", namespace: "apps" },
      spec: {
        virtualHost: {
          domains: ["podinfo.example.com"],
          routes: [
            {
              matchers: [{ prefix: "/" }],
              delegateAction: { ref: up("podinfo") },
            },
          ],
        },
      },
    },
  ],
  routeTables: [
    {
      metadata: { name: "podinfo", namespace: "apps" },
      spec: {
        routes: [
          ...(abHeader
            ? [
                {
                  matchers: [
                    {
                      headers: [
                        { name: "x-canary", value: "^ins.*", regex: true },
                      ],
                    },
                  ],
                  routeAction: {
                    multi: {
                      destinations: [
                        {
                          weight: 100,
                          destination: { upstream: up("canary") },
                        },
                      ],
                    },
                  },
                },
              ]
            : []),
          {
            routeAction: {
              multi: {
                destinations: [
                  {
                    weight: weights[0],
                    destination: { upstream: up("primary") },
                  },
                  {
                    weight: weights[1],
                    destination: { upstream: up("canary") },
                  },
                ],
              },
            },
          },
        ],
      },
    },
  ],
});

const request = (headers: Record<string, string> = {}) => ({
  host: "podinfo.example.com:8080",
  path: "/",
  headers,
});

describe("gateway routing", () => {
  it("splits by weight through the delegated RouteTable, exactly over each stretch", () => {
    const pick = smoothWeightedPicker();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const r = resolveRoute(config([95, 5]), request(), pick);
      if ("upstream" in r)
        counts[r.upstream.name] = (counts[r.upstream.name] ?? 0) + 1;
    }
    expect(counts).toEqual({ primary: 190, canary: 10 });
  });

  it("sends matching headers to the canary and the rest through the fallback", () => {
    const pick = smoothWeightedPicker();
    expect(
      resolveRoute(
        config([100, 0], true),
        request({ "x-canary": "insider" }),
        pick,
      ),
    ).toEqual({ upstream: up("canary") });
    expect(
      resolveRoute(
        config([100, 0], true),
        request({ "x-canary": "other" }),
        pick,
      ),
    ).toEqual({ upstream: up("primary") });
  });

  it("says why nothing matched", () => {
    expect(
      resolveRoute(
        config([100, 0]),
        { ...request(), host: "other.example.com" },
        smoothWeightedPicker(),
      ),
    ).toEqual({
      error: "no VirtualService for host other.example.com",
    });
    const missing = config([100, 0]);
    missing.routeTables = [];
    expect(resolveRoute(missing, request(), smoothWeightedPicker())).toEqual({
      error: "RouteTable apps/podinfo not found",
    });
  });
});
