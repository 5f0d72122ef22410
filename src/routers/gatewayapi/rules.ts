// The rules Siskin owns in a Canary's HTTPRoute or GRPCRoute, for one routing state, as plain data:
//   siskin-weighted         weighted canary and blue/green: primary and canary by weight
//   siskin-ab / -fallback   A/B: matching requests by the A/B weights, everything else to the primary
//   siskin-sticky-canary    session affinity: a request with the run's cookie always reaches the canary
//   siskin-sticky-primary   ... and with primaryCookieName, one with the primary's cookie the primary
//   siskin-cookie-expiry    after a run, the run's cookie is deleted (Max-Age=0) on the way to the primary
// Rules are named so a user's filters on them, and their place among a user's own rules, survive.
import type { CanarySpec } from "../../api/canary.ts";
import type { Strategy } from "../../api/resolve.ts";
import { canaryMirror, ruleTimeouts, serviceFilters } from "./filters.ts";
import {
  analysisMatches,
  mergeMatches,
  serviceGrpcMatches,
  serviceHttpMatches,
  type AnalysisMatch,
  type Json,
} from "./matches.ts";

export const ruleNames = {
  weighted: "siskin-weighted",
  ab: "siskin-ab",
  fallback: "siskin-fallback",
  stickyCanary: "siskin-sticky-canary",
  stickyPrimary: "siskin-sticky-primary",
  cookieExpiry: "siskin-cookie-expiry",
} as const;

/** The header each backend is marked with when the data plane needs a cluster per backend (Envoy Gateway). */
export const backendMarkerHeader = "x-siskin-backend";

export interface RouteState {
  primaryService: string;
  canaryService: string;
  port: number;
  grpc: boolean;
  strategy: Strategy;
  service: CanarySpec["service"];
  analysisMatch: AnalysisMatch[];
  primaryWeight: number;
  canaryWeight: number;
  /** A/B routing in force: matching requests by the weights, the rest to the primary. */
  abTest: boolean;
  /** Session affinity while a run sends the canary traffic: the cookies to set and to match. */
  affinity?: {
    canaryCookie: string;
    primaryCookie?: string;
    maxAge: number;
  };
  /** After a run: the run's canary cookie, to delete. */
  expireCookie?: string;
  /** The cookies' attributes from analysis.sessionAffinity ("; Domain=...; HttpOnly", or ""). */
  cookieAttributes: string;
  /** Blue/green mirror of the primary's traffic to the canary (analysis.mirror), this percent of it. */
  mirror?: { percent?: number };
  /** Mark each backend with a request header (Envoy Gateway then gives each its own cluster and stats). */
  markBackends: boolean;
}

const setCookie = (
  cookie: string,
  maxAge: number,
  attributes: string,
): Json => ({
  type: "ResponseHeaderModifier",
  responseHeaderModifier: {
    add: [
      {
        name: "Set-Cookie",
        value: `${cookie}; Max-Age=${maxAge}${attributes}`,
      },
    ],
  },
});

/** Attributes of a Set-Cookie from analysis.sessionAffinity, in the order Flagger writes them. */
export function cookieAttributes(affinity: {
  domain?: string;
  httpOnly?: boolean;
  partitioned?: boolean;
  path?: string;
  sameSite?: string;
  secure?: boolean;
}): string {
  return [
    affinity.domain ? `; Domain=${affinity.domain}` : "",
    affinity.httpOnly ? "; HttpOnly" : "",
    affinity.partitioned ? "; Partitioned" : "",
    affinity.path ? `; Path=${affinity.path}` : "",
    affinity.sameSite ? `; SameSite=${affinity.sameSite}` : "",
    affinity.secure ? "; Secure" : "",
  ].join("");
}

const cookieMatch = (cookie: string): Json => {
  const at = cookie.indexOf("=");
  const name = cookie.slice(0, at);
  const value = cookie.slice(at + 1);
  return {
    headers: [
      {
        name: "Cookie",
        type: "RegularExpression",
        value: `.*${name}=${value}.*`,
      },
    ],
  };
};

function backendRef(
  state: RouteState,
  role: "primary" | "canary",
  weight: number,
  filters: Json[] = [],
): Json {
  const marks = state.markBackends
    ? [
        {
          type: "RequestHeaderModifier",
          requestHeaderModifier: {
            set: [{ name: backendMarkerHeader, value: role }],
          },
        },
      ]
    : [];
  const all = [...marks, ...filters];
  return {
    group: "",
    kind: "Service",
    name: role === "primary" ? state.primaryService : state.canaryService,
    port: state.port,
    weight,
    ...(all.length ? { filters: all } : {}),
  };
}

function rule(
  state: RouteState,
  name: string,
  matches: Json[],
  backendRefs: Json[],
  extraFilters: Json[] = [],
): Json {
  const filters = [
    ...serviceFilters(state.service, state.grpc),
    ...extraFilters,
  ];
  const timeouts = state.grpc ? undefined : ruleTimeouts(state.service);
  return {
    name,
    ...(matches.length ? { matches } : {}),
    ...(filters.length ? { filters } : {}),
    backendRefs,
    ...(timeouts ? { timeouts } : {}),
  };
}

/** The rules Siskin owns for this state, in order. */
export function managedRules(state: RouteState): Json[] {
  const service = state.grpc
    ? serviceGrpcMatches(state.service.match)
    : serviceHttpMatches(state.service.match);
  const { primaryWeight, canaryWeight } = state;
  if (state.strategy === "abTesting") {
    const matched = mergeMatches(
      analysisMatches(state.analysisMatch, state.grpc),
      service,
    );
    return [
      rule(state, ruleNames.ab, matched, [
        backendRef(state, "primary", state.abTest ? primaryWeight : 100),
        backendRef(state, "canary", state.abTest ? canaryWeight : 0),
      ]),
      rule(state, ruleNames.fallback, service, [
        backendRef(state, "primary", 100),
      ]),
    ];
  }
  const mirror = state.mirror
    ? [canaryMirror(state.canaryService, state.port, state.mirror.percent)]
    : [];
  const affinity = state.affinity;
  const weighted = rule(
    state,
    ruleNames.weighted,
    service,
    [
      backendRef(
        state,
        "primary",
        primaryWeight,
        affinity?.primaryCookie
          ? [
              setCookie(
                affinity.primaryCookie,
                affinity.maxAge,
                state.cookieAttributes,
              ),
            ]
          : [],
      ),
      backendRef(
        state,
        "canary",
        canaryWeight,
        affinity
          ? [
              setCookie(
                affinity.canaryCookie,
                affinity.maxAge,
                state.cookieAttributes,
              ),
            ]
          : [],
      ),
    ],
    mirror,
  );
  const rules: Json[] = [];
  if (affinity) {
    rules.push(
      rule(
        state,
        ruleNames.stickyCanary,
        mergeMatches([cookieMatch(affinity.canaryCookie)], service),
        [backendRef(state, "primary", 0), backendRef(state, "canary", 100)],
      ),
    );
    if (affinity.primaryCookie)
      rules.push(
        rule(
          state,
          ruleNames.stickyPrimary,
          mergeMatches([cookieMatch(affinity.primaryCookie)], service),
          [backendRef(state, "primary", 100), backendRef(state, "canary", 0)],
        ),
      );
  } else if (state.expireCookie) {
    rules.push(
      rule(
        state,
        ruleNames.cookieExpiry,
        mergeMatches([cookieMatch(state.expireCookie)], service),
        [
          backendRef(state, "primary", primaryWeight),
          backendRef(state, "canary", canaryWeight),
        ],
        [setCookie(state.expireCookie, 0, state.cookieAttributes)],
      ),
    );
  }
  rules.push(weighted);
  return rules;
}

/** The rule whose canary weight is the run's step: the weighted rule (A/B weights say nothing of a step). */
export function canaryWeightOfRules(
  rules: Json[] | undefined,
  canaryService: string,
): number | undefined {
  const weighted = rules?.find((r) => r.name === ruleNames.weighted);
  const ref = (weighted?.backendRefs as Json[] | undefined)?.find(
    (b) => b.name === canaryService,
  );
  if (!ref) return undefined;
  return typeof ref.weight === "number" ? ref.weight : 1;
}
