// Scenarios S5 (progress deadline) and S12 (bad input), plus the operator's own endpoints.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { Canary } from "../../src/api/canary.ts";
import {
  podinfoCanary,
  podinfoDeployment,
  podinfoImage,
} from "../fixtures/podinfo.ts";
import { CanaryApi } from "../support/canary-api.ts";
import {
  clusterState,
  createTestNamespace,
  eventually,
  kubeConfig,
} from "../support/cluster.ts";
import { HttpRecorder } from "../../dev/services/http-recorder.ts";
import { OperatorProcess } from "../../dev/services/operator.ts";

/** A Canary as raw JSON, to break it in ways the typed one cannot express. */
type LooseCanary = {
  spec: {
    targetRef?: Record<string, unknown>;
    analysis: Record<string, unknown>;
  };
};

let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let api: CanaryApi;
let operator: OperatorProcess;

beforeAll(async () => {
  ns = await createTestNamespace("bad");
  api = new CanaryApi(kubeConfig(), ns.name);
  // Prometheus is never reached in these scenarios; the address is a closed loopback port.
  operator = new OperatorProcess({
    kubeconfig: clusterState().kubeconfig,
    namespace: ns.name,
    metricsServer: "http://127.0.0.1:9",
  });
  operator.start();
});

afterAll(async () => {
  await operator?.stop();
  await ns?.dispose();
});

function named(
  name: string,
  target: string,
  mutate: (c: Canary) => void = () => {},
): Canary {
  const canary = podinfoCanary(ns.name);
  canary.metadata.name = name;
  canary.spec.targetRef.name = target;
  delete canary.spec.autoscalerRef;
  canary.spec.analysis.metrics = [];
  mutate(canary);
  return canary;
}

async function deployment(name: string): Promise<void> {
  const d = podinfoDeployment(ns.name);
  d.metadata = { ...d.metadata, name, labels: { app: name } };
  d.spec!.selector = { matchLabels: { app: name } };
  d.spec!.template.metadata = { labels: { app: name } };
  await api.apps.createNamespacedDeployment({ namespace: ns.name, body: d });
}

describe("S12: bad input", () => {
  // A ServiceAccount token Secret, and a MetricTemplate and an AlertProvider that name it and point at
  // a local receiver: the token must never reach it.
  const receiver = new HttpRecorder();
  beforeAll(async () => {
    await receiver.start();
    // The token controller deletes a token Secret whose ServiceAccount does not exist yet; on a busy
    // control plane the namespace's "default" can come seconds after the namespace.
    await eventually(
      () =>
        api.core.readNamespacedServiceAccount({
          name: "default",
          namespace: ns.name,
        }),
      { what: `ServiceAccount ${ns.name}/default` },
    );
    await api.core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: {
          name: "sa-token",
          annotations: { "kubernetes.io/service-account.name": "default" },
        },
        type: "kubernetes.io/service-account-token",
      },
    });
    const objects = kubeConfig().makeApiClient(CustomObjectsApi);
    const flaggerObject = (plural: string, kind: string, spec: unknown) =>
      objects.createNamespacedCustomObject({
        group: "flagger.app",
        version: "v1beta1",
        namespace: ns.name,
        plural,
        body: {
          apiVersion: "flagger.app/v1beta1",
          kind,
          metadata: { name: "leaky" },
          spec,
        },
      });
    await flaggerObject("metrictemplates", "MetricTemplate", {
      provider: {
        type: "prometheus",
        address: receiver.url,
        secretRef: { name: "sa-token" },
      },
      query: "vector(1)",
    });
    await flaggerObject("alertproviders", "AlertProvider", {
      type: "generic",
      address: `${receiver.url}/alerts`,
      secretRef: { name: "sa-token" },
    });
  });
  afterAll(() => receiver.stop());

  const create = (body: unknown) =>
    kubeConfig().makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: ns.name,
      plural: "canaries",
      body,
    });

  it.each<[string, (c: LooseCanary) => void, RegExp]>([
    [
      "no targetRef",
      (c) => delete c.spec.targetRef,
      /spec.targetRef: Required value/,
    ],
    [
      "no stepWeight, stepWeights or iterations",
      (c) => delete c.spec.analysis.stepWeight,
      /analysis needs one of stepWeight, stepWeights \(weighted canary\) or iterations/,
    ],
    [
      "an interval that is not a duration",
      (c) => (c.spec.analysis.interval = "often"),
      /spec.analysis.interval in body should match/,
    ],
    [
      "a target kind that is not a workload",
      (c) => (c.spec.targetRef!.kind = "Pod"),
      /spec.targetRef.kind: Unsupported value: .*Pod.*supported values: .*Deployment.*DaemonSet/,
    ],
    [
      "a weight above 100",
      (c) => (c.spec.analysis.maxWeight = 150),
      /spec.analysis.maxWeight: Invalid value: 150: spec.analysis.maxWeight in body should be less than or equal to 100/,
    ],
    [
      "51 metrics",
      (c) =>
        (c.spec.analysis.metrics = Array.from({ length: 51 }, (_, i) => ({
          name: `m${i}`,
          thresholdRange: { min: 1 },
        }))),
      /spec.analysis.metrics: Too many: 51: must have at most 50 items/,
    ],
    [
      "a query longer than 16384 characters",
      (c) =>
        (c.spec.analysis.metrics = [
          {
            name: "long",
            query: "x".repeat(16_385),
            thresholdRange: { min: 1 },
          },
        ]),
      /spec.analysis.metrics\[0\].query: Too long: may not be (longer than|more than) 16384/,
    ],
    [
      "a webhook URL longer than 2048 characters",
      (c) =>
        (c.spec.analysis.webhooks = [
          { name: "long", url: `http://hooks/${"a".repeat(2048)}` },
        ]),
      /spec.analysis.webhooks\[0\].url: Too long: may not be (longer than|more than) 2048/,
    ],
  ])(
    "the CRD schema rejects a Canary with %s",
    async (_label, mutate, message) => {
      const canary = structuredClone(
        named("structural", "podinfo"),
      ) as unknown as LooseCanary;
      mutate(canary);
      await expect(create(canary)).rejects.toMatchObject({
        code: 422,
        body: expect.stringMatching(message),
      });
    },
  );

  it.each<[string, string, (c: Canary) => void, RegExp]>([
    [
      "an unknown provider",
      "unknown-provider",
      (c) => (c.spec.provider = "istoi"),
      /spec.provider: unknown provider "istoi"; supported: gloo, gatewayapi:v1, gatewayapi:v1beta1, kubernetes/,
    ],
    [
      "stepWeight above maxWeight",
      "step-above-max",
      (c) => (c.spec.analysis.stepWeight = 60),
      /spec.analysis.stepWeight: stepWeight 60 is above maxWeight 50/,
    ],
    [
      "a missing target",
      "missing-target",
      (c) => (c.spec.targetRef.name = "nope"),
      /spec.targetRef.name: Deployment .*\/nope not found; create it or fix targetRef.name/,
    ],
    [
      "a MetricTemplate reading a ServiceAccount token",
      "template-sa-token",
      (c) =>
        (c.spec.analysis.metrics = [
          {
            name: "leaky",
            templateRef: { name: "leaky" },
            thresholdRange: { max: 1 },
          },
        ]),
      /spec.analysis.metrics\[0\].templateRef: MetricTemplate .*\/leaky names Secret .*\/sa-token of type kubernetes.io\/service-account-token: a ServiceAccount token is never sent to a provider/,
    ],
    [
      "an AlertProvider reading a ServiceAccount token",
      "alert-sa-token",
      (c) =>
        (c.spec.analysis.alerts = [
          { name: "leaky", providerRef: { name: "leaky" } },
        ]),
      /spec.analysis.alerts\[0\].providerRef: AlertProvider .*\/leaky names Secret .*\/sa-token of type kubernetes.io\/service-account-token/,
    ],
    [
      "a MetricTemplate that does not exist",
      "missing-template",
      (c) =>
        (c.spec.analysis.metrics = [
          {
            name: "errors",
            templateRef: { name: "error-rate" },
            thresholdRange: { max: 1 },
          },
        ]),
      /spec.analysis.metrics\[0\].templateRef: MetricTemplate .*\/error-rate not found/,
    ],
  ])(
    "%s gets a condition and a Warning event naming the field, and nothing else changes",
    async (_label, name, mutate, message) => {
      await deployment(name);
      const before = await api.apps.readNamespacedDeployment({
        name,
        namespace: ns.name,
      });
      const canary = named(name, name, mutate);
      await api.createCanary(canary);

      const status = await eventually(
        async () => {
          const s = await api.status(name);
          return s.conditions?.[0]?.reason === "InvalidSpec" && s;
        },
        { what: `InvalidSpec condition on ${name}` },
      );
      expect(status.conditions?.[0]?.message).toMatch(message);
      await eventually(
        async () =>
          (await api.eventMessages()).some(
            (e) =>
              e.type === "Warning" &&
              e.reason === "InvalidSpec" &&
              message.test(e.message),
          ),
        { what: "the InvalidSpec Warning event" },
      );

      const after = await api.apps.readNamespacedDeployment({
        name,
        namespace: ns.name,
      });
      expect(after.metadata?.generation).toBe(before.metadata?.generation);
      expect(after.spec?.replicas).toBe(2);
      const deployments = await api.apps.listNamespacedDeployment({
        namespace: ns.name,
      });
      expect(deployments.items.map((d) => d.metadata?.name)).not.toContain(
        `${name}-primary`,
      );
      const services = await api.core.listNamespacedService({
        namespace: ns.name,
      });
      expect(services.items.map((s) => s.metadata?.name)).not.toContain(name);
      // Nothing was sent to the template's or the alert provider's address.
      expect(receiver.requests).toEqual([]);
    },
  );
});

describe("S5: progress deadline", () => {
  it("rolls back when the canary's pods never become ready, saying why", async () => {
    await deployment("stuck");
    await api.createCanary(
      named("stuck", "stuck", (c) => (c.spec.progressDeadlineSeconds = 4)),
    );
    await eventually(
      async () => (await api.status("stuck")).phase === "Initialized",
      { what: "stuck initialized" },
    );

    // A node selector no node matches: the new pods stay Pending, so the canary is never ready.
    await api.patchDeployment("stuck", [
      {
        op: "add",
        path: "/spec/template/spec/nodeSelector",
        value: { "siskin.dev/no-such-node": "true" },
      },
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/image",
        value: podinfoImage("6.0.9"),
      },
    ]);

    const status = await eventually(
      async () => {
        const s = await api.status("stuck");
        return s.phase === "Failed" && s;
      },
      { timeoutMs: 30_000, what: "rollback after the deadline" },
    );
    expect(status.message).toMatch(
      /canary Deployment .*stuck.*; progress deadline of 4s exceeded/,
    );
    expect(await api.weights("stuck")).toEqual([100, 0]);
    expect(await api.image("stuck-primary")).toBe(podinfoImage("6.0.0"));
  });
});

describe("operator endpoints", () => {
  it("serves /healthz, /readyz and Flagger-named /metrics, and is still alive after all the bad input", async () => {
    const port = await eventually(
      async () => /"port":(\d+)/.exec(operator.logTail(200))?.[1],
      { what: "the operator's port in its log" },
    );
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(
      /flagger_info\{version="0.2.0",mesh_provider="gloo"\} 1/,
    );
    // Every Canary in the namespace counts, the invalid ones too (6 bad-input Canaries + stuck).
    expect(metrics).toContain(`flagger_canary_total{namespace="${ns.name}"} 7`);
    expect(metrics).toMatch(
      new RegExp(
        `flagger_canary_status\\{name="stuck",namespace="${ns.name}"\\} 2`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(
        `flagger_canary_failures_total\\{name="stuck",namespace="${ns.name}",deployment_strategy="canary",analysis_status="completed"\\} 1`,
      ),
    );
    expect(operator.logTail(500)).not.toMatch(
      /"level":"(error|fatal)".*(uncaught|crash)/i,
    );
  });
});
