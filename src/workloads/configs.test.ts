import type { V1ConfigMap, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  primaryCopiesIn,
  referencedConfigs,
  trackedConfigs,
  withPreviousConfigRefs,
  withPrimaryConfigRefs,
} from "./configs.ts";

const pod: V1PodSpec = {
  volumes: [
    { name: "a", configMap: { name: "cm-volume" } },
    { name: "b", secret: { secretName: "secret-volume" } },
    {
      name: "c",
      projected: { sources: [{ configMap: { name: "cm-projected" } }] },
    },
  ],
  containers: [
    {
      name: "app",
      env: [
        {
          name: "X",
          valueFrom: { configMapKeyRef: { name: "cm-env", key: "x" } },
        },
      ],
      envFrom: [{ secretRef: { name: "secret-envfrom" } }],
    },
  ],
};

describe("config tracking", () => {
  it("finds ConfigMaps and Secrets in volumes, projections, env and envFrom", () => {
    const refs = referencedConfigs(pod);
    expect([...refs.configMaps].sort()).toEqual([
      "cm-env",
      "cm-projected",
      "cm-volume",
    ]);
    expect([...refs.secrets].sort()).toEqual([
      "secret-envfrom",
      "secret-volume",
    ]);
  });

  it("tracks existing configs by checksum, skips opted-out ones, and points the primary at copies", () => {
    const tracked = trackedConfigs(referencedConfigs(pod), {
      configMap: (name): V1ConfigMap | undefined =>
        name === "cm-volume"
          ? { metadata: { name }, data: { a: "1" } }
          : name === "cm-env"
            ? {
                metadata: {
                  name,
                  annotations: { "flagger.app/config-tracking": "disabled" },
                },
                data: {},
              }
            : undefined,
      secret: (name) =>
        name === "secret-envfrom"
          ? { metadata: { name }, data: { t: "eA==" } }
          : undefined,
    });
    expect(Object.keys(tracked.checksums).sort()).toEqual([
      "configmap/cm-volume",
      "secret/secret-envfrom",
    ]);
    const primary = withPrimaryConfigRefs(pod, tracked);
    expect(primary.volumes?.[0]?.configMap?.name).toBe("cm-volume-primary");
    expect(primary.volumes?.[1]?.secret?.secretName).toBe("secret-volume"); // missing: left alone
    expect(
      primary.containers[0]?.env?.[0]?.valueFrom?.configMapKeyRef?.name,
    ).toBe("cm-env"); // opted out
    expect(primary.containers[0]?.envFrom?.[0]?.secretRef?.name).toBe(
      "secret-envfrom-primary",
    );
    expect(pod.volumes?.[0]?.configMap?.name).toBe("cm-volume"); // input not mutated
  });
});

describe("the previous release's config copies", () => {
  const primaryPod: V1PodSpec = {
    volumes: [
      { name: "a", configMap: { name: "cm-volume-primary" } },
      { name: "b", secret: { secretName: "secret-volume-primary" } },
      // A user's own ConfigMap whose name happens to end in -primary: not a copy of a tracked one.
      { name: "c", configMap: { name: "shared-primary" } },
    ],
    containers: [
      {
        name: "app",
        envFrom: [{ configMapRef: { name: "untracked" } }],
      },
    ],
  };
  const tracked = {
    "configmap/cm-volume": "h1",
    "secret/secret-volume": "h2",
  };

  it("finds the -primary copies of tracked configs a primary uses", () => {
    expect(primaryCopiesIn(primaryPod, tracked)).toEqual([
      "configmap/cm-volume",
      "secret/secret-volume",
    ]);
    expect(primaryCopiesIn(undefined, tracked)).toEqual([]);
  });

  it("points those references (and only those) at the -previous copies", () => {
    const pod = withPreviousConfigRefs(primaryPod, [
      "configmap/cm-volume",
      "secret/secret-volume",
    ]);
    expect(
      pod.volumes?.map((v) => v.configMap?.name ?? v.secret?.secretName),
    ).toEqual([
      "cm-volume-previous",
      "secret-volume-previous",
      "shared-primary",
    ]);
    expect(pod.containers[0]?.envFrom?.[0]?.configMapRef?.name).toBe(
      "untracked",
    );
    expect(primaryPod.volumes?.[0]?.configMap?.name).toBe("cm-volume-primary");
  });
});
