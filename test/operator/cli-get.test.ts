// `kubectl siskin get` as kubectl prints: -o json|yaml of one name is the object, of several a List;
// -o name; -l; -w prints a row per change. Against the local cluster, with the real operator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { podinfoCanary, podinfoImage } from "../fixtures/podinfo.ts";
import { kubectlSiskin, startKubectlSiskin } from "../support/cli.ts";
import { eventually, kubeConfig } from "../support/cluster.ts";
import {
  initializePodinfo,
  startScenario,
  type Scenario,
} from "../support/scenario.ts";

let s: Scenario;
beforeAll(async () => {
  s = await startScenario("cliget");
  const canary = podinfoCanary(s.ns, {
    interval: "2s",
    stepWeight: 50,
    maxWeight: 50,
    metrics: [],
  });
  canary.metadata.labels = { team: "web" };
  await initializePodinfo(s, canary);
  // A second Canary, without the label and with a target that does not exist (it stays uninitialized).
  const other = podinfoCanary(s.ns);
  other.metadata.name = "other";
  other.spec.targetRef.name = "missing";
  delete other.spec.autoscalerRef;
  await kubeConfig()
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({
      group: "flagger.app",
      version: "v1beta1",
      namespace: s.ns,
      plural: "canaries",
      body: other,
    });
});
afterAll(() => s?.dispose());

describe("kubectl siskin get", () => {
  it("prints one object for a name and a List for several; -o name; -l filters", async () => {
    const one = JSON.parse(
      (await kubectlSiskin(s.ns, "get", "podinfo", "-o", "json")).out,
    ) as { kind: string; metadata: { name: string } };
    expect(one).toMatchObject({
      kind: "Canary",
      metadata: { name: "podinfo" },
    });
    const list = parse(
      (await kubectlSiskin(s.ns, "get", "-o", "yaml")).out,
    ) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((c) => c.metadata.name).sort()).toEqual([
      "other",
      "podinfo",
    ]);
    expect(
      (
        await kubectlSiskin(s.ns, "get", "-o", "name", "-l", "team=web")
      ).out.trim(),
    ).toBe("canary.flagger.app/podinfo");
    const wide = (await kubectlSiskin(s.ns, "get", "-o", "wide")).out;
    expect(wide).toMatch(
      /^NAME\s+PHASE\s+WEIGHT\s+FAILED\s+PROVIDER\s+TARGET\s+INTERVAL/m,
    );
    expect(wide).toMatch(
      /^podinfo\s+Initialized\s+0\s+\S+\s+\S+\s+Deployment\/podinfo\s+2s/m,
    );
    // kubectl's jsonpath templates: one object for a name, the List otherwise; range/end and filters.
    const phase = await kubectlSiskin(
      s.ns,
      "get",
      "podinfo",
      "-o",
      "jsonpath={.metadata.name}={.status.phase}",
    );
    expect(phase).toMatchObject({ code: 0 });
    expect(phase.out.trim()).toBe("podinfo=Initialized");
    const rows = await kubectlSiskin(
      s.ns,
      "get",
      "-o",
      'jsonpath={range .items[?(@.metadata.name=="podinfo")]}{.metadata.name} {.spec.targetRef.name}{"\\n"}{end}',
    );
    expect(rows.out).toBe("podinfo podinfo\n");
    const refused = await kubectlSiskin(
      s.ns,
      "get",
      "-o",
      "jsonpath={.items[0,1]}",
    );
    expect(refused.code).toBe(3);
    expect(refused.out).toMatch(/cannot read "\[0,1\]"/);
  });

  it("-w prints a row for each change of the Canary", async () => {
    const watching = await startKubectlSiskin(
      s.ns,
      /^podinfo\s+Initialized/m,
      "get",
      "podinfo",
      "-w",
    );
    await s.api.setImage("podinfo", podinfoImage("6.0.1"));
    await s.waitForPhase("Succeeded");
    // The watch printed the run's phases as they came; it runs until stopped.
    const seen = await eventually(
      async () => {
        const out = watching.output();
        return (
          /^podinfo\s+Progressing/m.test(out) &&
          /^podinfo\s+Succeeded/m.test(out) &&
          out
        );
      },
      { what: () => `the watch's rows: ${watching.output()}` },
    );
    expect(seen.match(/^NAME/gm)).toHaveLength(1);
    watching.stop();
  });
});
