// The examples/ manifests, adapted for the local run: the addresses (load tester, canary Service,
// gateway) point at the loopback stand-ins, the intervals are shortened, and the generated load is
// raised to match: a 10 s window at 5 % must hold as many canary requests as the example's 1 m window
// does (at least analysis.minRequests, 10, or the checks are inconclusive). The metrics compare the
// canary with the primary (below).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubernetesObject } from "@kubernetes/client-node";

export interface Addresses {
  loadtester: string;
  canaryService: string;
  /** The Gloo gateway-proxy stand-in (gloo, both). */
  gateway?: string;
  /** The Gateway API gateway stand-in (gatewayapi, both). */
  gatewayApi?: string;
}

/**
 * Which gateway the story runs through: Gloo Edge (as in Flagger's Gloo tutorial), Gateway API (kgateway), or both at once
 * (a cut-over: the Canary drives both, half of the load arrives through each).
 */
export type GatewayMode = "gloo" | "gatewayapi" | "both";

export interface Timing {
  /** analysis.interval (the example says 10s). */
  interval: string;
  /** Each metric's query window (the example says 1m and 30s). */
  metricInterval: string;
  /** analysis.bake.duration: the promoted primary judged this long after each promotion (none: no bake). */
  bake?: string;
}

const replacements = (a: Addresses, mode: GatewayMode): [string, string][] => [
  // Both gateways: each gets half of the load (two load tests), so the sum is the same.
  ["hey -z 2m -q 5 -c 2", `hey -z 2m -q ${mode === "both" ? 10 : 20} -c 2`],
  ["http://flagger-loadtester.test", a.loadtester],
  ["http://podinfo-canary:9898", a.canaryService],
  ["http://gateway-proxy.gloo-system", a.gateway ?? ""],
  ["http://http.kgateway-system:8080", a.gatewayApi ?? ""],
];

const files: Record<GatewayMode, string[]> = {
  gloo: [
    "podinfo/deployment.yaml",
    "podinfo/virtualservice.yaml",
    "podinfo/canary.yaml",
  ],
  gatewayapi: [
    "podinfo/deployment.yaml",
    "gateway-api/gateway.yaml",
    "gateway-api/canary.yaml",
  ],
  both: [
    "podinfo/deployment.yaml",
    "podinfo/virtualservice.yaml",
    "gateway-api/gateway.yaml",
    "gateway-api/canary.yaml",
  ],
};

type CanaryObject = KubernetesObject & {
  spec?: {
    provider?: string;
    routers?: string[];
    analysis?: {
      interval?: string;
      bake?: { duration: string };
      metrics?: Record<string, unknown>[];
      webhooks?: { name: string; metadata?: Record<string, string> }[];
    };
  };
};

/** Both gateways: Gloo stays the provider, kgateway is added, and a second load test goes through Gloo. */
function driveBoth(canary: CanaryObject, a: Addresses): void {
  const spec = canary.spec ?? {};
  spec.provider = "gloo";
  spec.routers = ["gloo", "gatewayapi:v1"];
  const load = spec.analysis?.webhooks?.find((h) => h.name === "load-test");
  if (load?.metadata?.cmd && a.gatewayApi && a.gateway)
    spec.analysis?.webhooks?.push({
      ...load,
      name: "load-test-gloo",
      metadata: {
        ...load.metadata,
        cmd: load.metadata.cmd.replace(a.gatewayApi, a.gateway),
      },
    });
}

/**
 * The demo judges the canary against the primary (compareTo: primary), so a release is rolled back for
 * being worse than what runs, not for a bad day for all (the success rate keeps the example's floor too):
 * at most 1 point of success rate below the primary, and at most 3x its P99 latency (every version
 * answers in 30 ms, so both sides' P99 lands in the same histogram bucket; 3x leaves room for jitter).
 */
const comparedWithPrimary: Record<string, Record<string, unknown>> = {
  // The example's own floor (>= 99 %) stays too: what the bake judges the promoted primary by.
  "request-success-rate": {
    compareTo: "primary",
    maxDegradation: 1,
  },
  "request-duration": {
    thresholdRange: undefined,
    compareTo: "primary",
    maxDegradation: 3,
  },
};

export function loadExamples(
  repoRoot: string,
  a: Addresses,
  t: Timing,
  mode: GatewayMode = "gloo",
): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const file of files[mode]) {
    let text = readFileSync(join(repoRoot, "examples", file), "utf8");
    for (const [from, to] of replacements(a, mode))
      text = text.replaceAll(from, to);
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as CanaryObject;
      if (!object) continue;
      if (object.kind === "Canary" && mode === "both") driveBoth(object, a);
      const analysis =
        object.kind === "Canary" ? object.spec?.analysis : undefined;
      if (analysis) {
        analysis.interval = t.interval;
        if (t.bake) analysis.bake = { duration: t.bake };
        analysis.metrics = (analysis.metrics ?? []).map((m) => ({
          ...m,
          interval: t.metricInterval,
          ...comparedWithPrimary[String(m.name)],
        }));
      }
      objects.push(object);
    }
  }
  return objects;
}
