// Our Gloo CRDs (dev/crds/gloo.ts) against the real ones: the same objects (what Siskin's router writes,
// the example VirtualService, a copied-settings Upstream, and each with a misspelled field) are applied
// to a cluster with each set, and both store exactly the same thing; and every field ours declares
// carries the real one's validation (ranges, enums, patterns). Runs when GLOO_CRDS_DIR names the real
// CRDs (CI sets it); the shared cluster has ours, as on a fresh clone, and this test starts one with
// the real ones.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  realGlooCrds,
  repoRoot,
  startCluster,
  type LocalCluster,
} from "../../dev/cluster/cluster.ts";
import { readCrds } from "../../dev/cluster/bootstrap.ts";
import { glooCrds } from "../../dev/crds/gloo.ts";
import { resolveCanarySpec } from "../../src/api/resolve.ts";
import { KubeApi, type KubeObject } from "../../src/kube/api.ts";
import { KubeClient } from "../../src/kube/client/http.ts";
import { loadClusterAccess } from "../../src/kube/client/kubeconfig.ts";
import { glooRouter } from "../../src/routers/gloo.ts";
import { errorMessage } from "../../src/util/errors.ts";
import { podinfoCanary } from "../fixtures/podinfo.ts";
import { settingsUpstream } from "../support/gloo-upstreams.ts";
import { clusterState } from "../support/cluster.ts";

const ns = "crds";
let real: LocalCluster | undefined;
const clients: KubeClient[] = [];
afterAll(async () => {
  clients.forEach((c) => c.close());
  await real?.stop({ removeDir: true });
});

/** Everything Siskin's router writes for a weighted and an A/B canary, with upstreamRef settings. */
async function routerObjects(): Promise<KubeObject[]> {
  const written: KubeObject[] = [];
  const router = glooRouter({
    ensure: async (objects) => void written.push(...objects),
    remove: async () => undefined,
    lookupUpstream: () => settingsUpstream(7).spec,
    lookupRouteTable: () => undefined,
    lookupRoute: () => undefined,
  });
  const abTest: Parameters<typeof podinfoCanary>[1] = {
    iterations: 3,
    stepWeight: undefined,
    match: [
      {
        headers: {
          "x-canary": { exact: "insider" },
          "user-agent": { prefix: "Mozilla/5.0 (" },
        },
      },
    ],
  };
  for (const [name, overrides] of [
    ["weighted", {}],
    ["ab", abTest],
  ] as const) {
    const canary = podinfoCanary(ns, overrides);
    canary.metadata = {
      name,
      namespace: ns,
      uid: "00000000-0000-0000-0000-000000000001",
    };
    canary.spec.service = { ...canary.spec.service, name };
    canary.spec.upstreamRef = {
      apiVersion: "gloo.solo.io/v1",
      kind: "Upstream",
      name: "podinfo-settings",
    };
    const resolved = resolveCanarySpec(canary.spec, {
      namespace: ns,
      knownProviders: ["gloo"],
      defaultProvider: "gloo",
      defaultMetricsServer: "http://prometheus:9090",
      minIntervalMs: 1000,
    });
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.issues));
    await router.setRoutes(
      { canary, spec: resolved.spec },
      name === "ab"
        ? { primaryWeight: 0, canaryWeight: 100, abTest: true }
        : { primaryWeight: 90, canaryWeight: 10 },
    );
  }
  // Owner references point at Canaries that do not exist here; the comparison is about schemas.
  return written.map((o) => ({
    ...o,
    metadata: { ...o.metadata, ownerReferences: undefined },
  }));
}

function otherObjects(): KubeObject[] {
  const vs = parse(
    readFileSync(
      join(repoRoot, "examples/podinfo/virtualservice.yaml"),
      "utf8",
    ),
  ) as KubeObject;
  const misspelled = structuredClone(vs);
  misspelled.metadata = { name: "misspelled", namespace: ns };
  (
    misspelled as unknown as { spec: { virtualHost: Record<string, unknown> } }
  ).spec.virtualHost.domian = "typo";
  return [
    { ...vs, metadata: { name: "podinfo", namespace: ns } },
    misspelled,
    {
      ...settingsUpstream(7),
      metadata: { name: "podinfo-settings", namespace: ns },
    } as KubeObject,
    {
      apiVersion: "gateway.solo.io/v1",
      kind: "RouteTable",
      metadata: { name: "typos", namespace: ns },
      spec: {
        routes: [
          {
            inheritablePathMatcher: true,
            matchers: [{ prefix: "/", prefx: "/x" }],
            routeAction: {
              multi: {
                destinations: [
                  {
                    weight: 100,
                    wieght: 1,
                    destination: { upstream: { name: "a", namespace: ns } },
                  },
                ],
              },
            },
          },
        ],
      },
    } as KubeObject,
    {
      apiVersion: "gloo.solo.io/v1",
      kind: "Upstream",
      metadata: { name: "typo-upstream", namespace: ns },
      spec: {
        kube: { serviceName: "a", servicePrt: 80, servicePort: 80 },
        useHttp2: true,
        useHttp3: true,
      },
    } as KubeObject,
  ];
}

/**
 * Each object sent both ways Siskin and the demo send objects, and what came of it: server-side apply
 * (which refuses a field the schema does not declare, naming it) and create (which prunes it).
 */
async function stored(
  kubeconfig: string,
  objects: KubeObject[],
): Promise<unknown[]> {
  const client = new KubeClient(loadClusterAccess({ kubeconfig }));
  clients.push(client);
  const api = new KubeApi(client);
  await api
    .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    .catch(() => undefined);
  const specOf = async (name: string, object: KubeObject) =>
    (
      await api.get<{ spec?: unknown }>({
        apiVersion: object.apiVersion ?? "",
        kind: object.kind ?? "",
        namespace: ns,
        name,
      })
    ).spec;
  const out: unknown[] = [];
  for (const object of objects) {
    const name = object.metadata?.name ?? "";
    const applied = await api.apply(object, "crd-test").then(
      async () => ({ spec: await specOf(name, object) }),
      (error: unknown) => ({ refused: errorMessage(error) }),
    );
    const createdName = `${name}-created`;
    await api.create({
      ...object,
      metadata: { name: createdName, namespace: ns },
    });
    out.push({
      kind: object.kind,
      name,
      applied,
      created: await specOf(createdName, object),
    });
  }
  return out;
}

describe("Gloo CRDs written here", () => {
  it.skipIf(!process.env.GLOO_CRDS_DIR)(
    "accept and prune exactly as the real ones for every field Siskin and the demo write",
    { timeout: 180_000 },
    async () => {
      const objects = [...(await routerObjects()), ...otherObjects()];
      expect(objects.length).toBeGreaterThanOrEqual(9);
      real = await startCluster({
        crds: [
          ...realGlooCrds(process.env.GLOO_CRDS_DIR ?? "", "GLOO_CRDS_DIR"),
          ...readCrds(join(repoRoot, "crds")),
        ],
      });
      const stock = await stored(real.state.kubeconfig, objects);
      const mine = await stored(clusterState().kubeconfig, objects);
      // Which of several undeclared fields the API server names varies from call to call.
      const refusedOrStored = (outcomes: unknown[]) =>
        (outcomes as { applied: { refused?: string } }[]).map((o) => ({
          ...o,
          applied: o.applied.refused ? "refused" : o.applied,
        }));
      expect(refusedOrStored(mine)).toEqual(refusedOrStored(stock));
      // Apply refused each object with a typo, naming a field (the order of several varies), and
      // create pruned them: in both sets alike.
      const text = JSON.stringify(stock);
      const outcomes = stock as {
        name: string;
        applied: { refused?: string };
      }[];
      for (const name of ["misspelled", "typos", "typo-upstream"])
        expect(
          outcomes.find((o) => o.name === name)?.applied.refused,
          name,
        ).toMatch(/: field not declared in schema/);
      const created = JSON.stringify(
        (stock as { created: unknown }[]).map((r) => r.created),
      );
      expect(created).not.toMatch(
        /inheritablePathMatcher"|prefx|wieght|servicePrt|useHttp3|domian/,
      );
      expect(text).toContain("maxRequestsPerConnection");
    },
  );
});

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  [rule: string]: unknown;
};

const rules = ["type", "minimum", "maximum", "enum", "pattern", "format"];

/** Each field ours declares, with its validation in ours and in the real CRD ("absent" if the real has none). */
function compareValidation(
  ours: Schema,
  stock: Schema | undefined,
  path: string,
  out: { path: string; ours: unknown; real: unknown }[],
): void {
  if (ours["x-kubernetes-preserve-unknown-fields"]) return; // content kept as given
  const pick = (s: Schema | undefined) =>
    Object.fromEntries(
      rules.flatMap((r) => (s?.[r] !== undefined ? [[r, s[r]]] : [])),
    );
  out.push({ path, ours: pick(ours), real: stock ? pick(stock) : "absent" });
  for (const [name, child] of Object.entries(ours.properties ?? {}))
    compareValidation(child, stock?.properties?.[name], `${path}.${name}`, out);
  if (ours.items) compareValidation(ours.items, stock?.items, `${path}[]`, out);
  if (typeof ours.additionalProperties === "object")
    compareValidation(
      ours.additionalProperties,
      typeof stock?.additionalProperties === "object"
        ? stock.additionalProperties
        : undefined,
      `${path}{}`,
      out,
    );
}

const specSchema = (crd: unknown): Schema =>
  (
    crd as {
      spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    }
  ).spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;

describe("Gloo CRD validation written here", () => {
  it.skipIf(!process.env.GLOO_CRDS_DIR)(
    "every field ours declares has the real CRD's type, ranges, enums and patterns",
    () => {
      const stock = new Map(
        realGlooCrds(process.env.GLOO_CRDS_DIR ?? "", "GLOO_CRDS_DIR").map(
          (c) => [c.metadata?.name ?? "", c as unknown],
        ),
      );
      const fields: { path: string; ours: unknown; real: unknown }[] = [];
      for (const crd of glooCrds()) {
        const name = (crd as { metadata: { name: string } }).metadata.name;
        expect(stock.has(name), name).toBe(true);
        compareValidation(
          specSchema(crd),
          specSchema(stock.get(name)),
          name,
          fields,
        );
      }
      expect(fields.length).toBeGreaterThan(80);
      expect(
        fields.filter((f) => f.real === "absent").map((f) => f.path),
      ).toEqual([]);
      const differing = fields.filter(
        (f) => JSON.stringify(f.ours) !== JSON.stringify(f.real),
      );
      expect(differing).toEqual([]);
      // The ranges that matter to what Siskin writes are among them.
      expect(
        fields.find((f) => f.path.endsWith("multi.destinations[].weight"))
          ?.ours,
      ).toMatchObject({ minimum: 0 });
    },
  );
});
