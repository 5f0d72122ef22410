import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Canary } from "../api/canary.ts";
import {
  adoptForeignStatus,
  isForeignRevision,
  primaryRunsTarget,
} from "./adopt.ts";

const canary = {
  apiVersion: "flagger.app/v1beta1",
  kind: "Canary",
  metadata: { name: "podinfo", namespace: "apps", uid: "u1" },
  spec: {},
} as unknown as Canary;

function target(image: string): V1Deployment {
  return {
    metadata: { name: "podinfo", namespace: "apps" },
    spec: {
      selector: { matchLabels: { app: "podinfo" } },
      template: {
        metadata: {
          labels: { app: "podinfo" },
          annotations: { "prometheus.io/scrape": "true" },
        },
        spec: { containers: [{ name: "podinfod", image }] },
      },
    },
  };
}

/** A primary as Flagger writes it: -primary label, a fresh flagger-id, Flux's metadata left out. */
function flaggerPrimary(image: string): V1Deployment {
  return {
    metadata: { name: "podinfo-primary", namespace: "apps" },
    spec: {
      selector: { matchLabels: { app: "podinfo-primary" } },
      template: {
        metadata: {
          labels: { app: "podinfo-primary" },
          annotations: {
            "prometheus.io/scrape": "true",
            "flagger-id": "0b5e6a1c-1234-4abc-8def-0123456789ab",
          },
        },
        spec: { containers: [{ name: "podinfod", image }] },
      },
    },
  };
}

const runs = (targetImage: string, primaryImage: string) =>
  primaryRunsTarget(
    {
      canary,
      target: target(targetImage),
      selector: { key: "app", value: "podinfo" },
      tracked: { configMaps: [], secrets: [], checksums: {} },
      includeLabelPrefix: [],
    },
    flaggerPrimary(primaryImage),
  );

describe("taking over a Canary from Flagger", () => {
  it("tells Flagger's revisions from Siskin's", () => {
    expect(isForeignRevision("5f7c8d9b6")).toBe(true);
    expect(isForeignRevision("0123456789abcdef")).toBe(false);
    expect(isForeignRevision(undefined)).toBe(false);
  });

  it("sees a Flagger primary as running the target when only Flagger's copy marks differ", () => {
    expect(runs("podinfo:6.0.0", "podinfo:6.0.0")).toBe(true);
    expect(runs("podinfo:6.0.1", "podinfo:6.0.0")).toBe(false);
  });

  it("adopts Initialized and Succeeded when the primary runs the target, and nothing else", () => {
    const flagger = {
      phase: "Initialized" as const,
      lastAppliedSpec: "5f7c8d9b6",
      lastPromotedSpec: "5f7c8d9b6",
      canaryWeight: 0,
    };
    const adopted = adoptForeignStatus(flagger, "0123456789abcdef", () => true);
    expect(adopted).toMatchObject({
      adopted: true,
      status: {
        phase: "Initialized",
        lastAppliedSpec: "0123456789abcdef",
        lastPromotedSpec: "0123456789abcdef",
      },
    });
    // The target changed while no operator ran: left as is, so a normal run starts.
    expect(
      adoptForeignStatus(
        { ...flagger, phase: "Succeeded" },
        "0123456789abcdef",
        () => false,
      ),
    ).toEqual({ adopted: false });
    // Mid-run: not adopted (the analysis restarts from weight 0).
    expect(
      adoptForeignStatus(
        { ...flagger, phase: "Progressing", canaryWeight: 20 },
        "0123456789abcdef",
        () => false,
      ),
    ).toEqual({ adopted: false });
    // Promoting: the promotion goes on with the target's revision.
    expect(
      adoptForeignStatus(
        { ...flagger, phase: "Promoting", canaryWeight: 30 },
        "0123456789abcdef",
        () => false,
      ),
    ).toMatchObject({
      adopted: true,
      status: { phase: "Promoting", lastAppliedSpec: "0123456789abcdef" },
    });
    // Failed: recorded as applied, not retried; the promoted revision is left alone.
    expect(
      adoptForeignStatus(
        { ...flagger, phase: "Failed" },
        "0123456789abcdef",
        () => false,
      ),
    ).toMatchObject({
      adopted: true,
      status: {
        lastAppliedSpec: "0123456789abcdef",
        lastPromotedSpec: "5f7c8d9b6",
      },
    });
    // Siskin's own status is never touched.
    expect(
      adoptForeignStatus(
        { ...flagger, lastAppliedSpec: "fedcba9876543210" },
        "0123456789abcdef",
        () => true,
      ),
    ).toEqual({ adopted: false });
  });
});
