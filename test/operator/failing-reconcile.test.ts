// A reconcile the API server keeps refusing is said on the Canary, not only in the operator's log: a
// ValidatingAdmissionPolicy (in-tree CEL, no webhook) forbids the -primary Deployment; the Canary gets a
// Warning Event and a ReconcileFailed condition carrying the API server's message. Once the policy is
// gone, the next reconcile initializes the Canary and the condition goes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdmissionregistrationV1Api } from "@kubernetes/client-node";
import { podinfoCanary, podinfoDeployment } from "../fixtures/podinfo.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import { startScenario, type Scenario } from "../support/scenario.ts";

let s: Scenario;
const admission = () => kubeConfig().makeApiClient(AdmissionregistrationV1Api);
let policy = "";

beforeAll(async () => {
  s = await startScenario("failing");
  policy = `no-primary-${s.ns}`;
  await admission().createValidatingAdmissionPolicy({
    body: {
      metadata: { name: policy },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["apps"],
              apiVersions: ["v1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["deployments"],
            },
          ],
        },
        validations: [
          {
            expression: "!object.metadata.name.endsWith('-primary')",
            message: "primary Deployments are frozen by policy",
          },
        ],
      },
    },
  });
  await admission().createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name: policy },
      spec: {
        policyName: policy,
        validationActions: ["Deny"],
        matchResources: {
          namespaceSelector: {
            matchLabels: { "kubernetes.io/metadata.name": s.ns },
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await admission()
    .deleteValidatingAdmissionPolicyBinding({ name: policy })
    .catch(() => undefined);
  await admission()
    .deleteValidatingAdmissionPolicy({ name: policy })
    .catch(() => undefined);
  await s?.dispose();
});

describe("a reconcile the API server refuses", () => {
  it("is said in a Warning Event and a ReconcileFailed condition, cleared once it gets through", async () => {
    await s.api.apps.createNamespacedDeployment({
      namespace: s.ns,
      body: podinfoDeployment(s.ns),
    });
    const canary = podinfoCanary(s.ns, {
      interval: "2s",
      stepWeight: 50,
      maxWeight: 50,
      metrics: [],
    });
    delete canary.spec.autoscalerRef;
    // The policy takes a moment to be enforced; the Canary is created once it refuses a test object.
    await eventually(
      async () => {
        try {
          const probe = podinfoDeployment(s.ns);
          probe.metadata!.name = "probe-primary";
          await s.api.apps.createNamespacedDeployment({
            namespace: s.ns,
            body: probe,
            dryRun: "All",
          });
          return false;
        } catch (error) {
          return /frozen by policy/.test(
            String((error as { body?: string }).body ?? error),
          );
        }
      },
      { what: "the admission policy to be enforced" },
    );
    await s.api.createCanary(canary);
    const event = await eventually(
      async () =>
        (await s.api.eventMessages()).find(
          (e) => e.reason === "ReconcileFailed",
        ),
      {
        what: () => `the ReconcileFailed event (log: ${s.operator.logTail(5)})`,
      },
    );
    expect(event.type).toBe("Warning");
    expect(event.message).toMatch(
      /reconcile failed: .*primary Deployments are frozen by policy/,
    );
    const condition = await eventually(
      async () =>
        (await s.api.status()).conditions?.find(
          (c) => c.type === "ReconcileFailed",
        ),
      { what: "the ReconcileFailed condition" },
    );
    expect(condition).toMatchObject({
      status: "True",
      reason: "ReconcileFailed",
    });
    expect(condition.message).toMatch(/frozen by policy/);

    // The policy goes; a change of the Canary's target (as a release would) lets the reconcile through.
    await admission().deleteValidatingAdmissionPolicyBinding({ name: policy });
    await eventually(
      async () => {
        await s.api.patchDeployment("podinfo", [
          {
            op: "add",
            path: "/metadata/labels/retry",
            value: String(Date.now()),
          },
        ]);
        return (await s.api.status()).phase === "Initialized";
      },
      {
        timeoutMs: 60_000,
        intervalMs: 2000,
        what: "Initialized once the policy is gone",
      },
    );
    expect((await s.api.status()).conditions?.map((c) => c.type)).not.toContain(
      "ReconcileFailed",
    );
  });
});
