import { describe, expect, it } from "vitest";
import type { Canary } from "../api/canary.ts";
import { covers } from "../util/covers.ts";
import { services } from "../workloads/desired.ts";
import { spec } from "../../test/fixtures/decide-run.ts";
import { seedCanarySpec } from "../../test/fixtures/seed-canary.ts";
import { slimService } from "./slim.ts";

const canary: Canary = {
  apiVersion: "flagger.app/v1beta1",
  kind: "Canary",
  metadata: { name: "podinfo", namespace: "apps", uid: "c-1", generation: 1 },
  spec: seedCanarySpec(),
};

/** A desired Service as the API server answers it: defaults, addresses, status, managedFields. */
function asServed(desired: Record<string, unknown>): Record<string, unknown> {
  const metadata = desired.metadata as Record<string, unknown>;
  const desiredSpec = desired.spec as Record<string, unknown>;
  return {
    ...desired,
    metadata: {
      ...metadata,
      uid: "s-1",
      resourceVersion: "42",
      creationTimestamp: "2026-11-24T06:00:00Z",
      managedFields: [{ manager: "siskin", operation: "Apply" }],
    },
    spec: {
      ...desiredSpec,
      clusterIP: "10.96.0.17",
      clusterIPs: ["10.96.0.17"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ports: (desiredSpec.ports as Record<string, unknown>[]).map((p) => ({
        protocol: "TCP",
        ...p,
      })),
    },
    status: { loadBalancer: {} },
  };
}

describe("slimService", () => {
  const desired = services(canary, spec(), { key: "app", value: "podinfo" });

  it("keeps every field Siskin sets, so an unchanged Service is not written again", () => {
    expect(desired).toHaveLength(3);
    for (const service of desired) {
      const held = slimService(asServed(service as Record<string, unknown>));
      const { apiVersion: _v, kind: _k, ...compared } = service;
      expect(covers(held, compared)).toBe(true);
    }
  });

  it("drops addresses, status and managedFields, and still sees a changed port", () => {
    const [apex] = desired;
    const held = slimService(asServed(apex as Record<string, unknown>));
    expect(held.spec).not.toHaveProperty("clusterIP");
    expect(held).not.toHaveProperty("status");
    expect(held.metadata).not.toHaveProperty("managedFields");
    const moved = structuredClone(apex);
    const port = moved?.spec?.ports?.[0];
    if (port) port.port = 8080;
    const { apiVersion: _v, kind: _k, ...compared } = moved ?? {};
    expect(covers(held, compared)).toBe(false);
  });
});
