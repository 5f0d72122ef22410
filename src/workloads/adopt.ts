// Taking over a Canary that Flagger managed. Flagger records revisions as its own hash of the pod
// template (lastAppliedSpec), which Siskin cannot reproduce; read naively, every such Canary looks like a
// new release and a migration would start an analysis of every workload at once. Instead the evidence
// is read from the cluster: if the primary Flagger made runs exactly the target's pod template, nothing
// is waiting to be released, and Flagger's revision is replaced by Siskin's for the same target.
import type { V1Deployment, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { CanaryStatus } from "../api/canary.ts";
import { isDeepStrictEqual } from "node:util";
import { primaryDeployment, type PrimaryInput } from "./desired.ts";

/** Siskin writes revisions as 16 hex digits (util/hash.ts); anything else came from another operator. */
export const isForeignRevision = (revision: string | undefined): boolean =>
  revision !== undefined && !/^[0-9a-f]{16}$/.test(revision);

/** Annotations Flagger adds to the primary's pod template (a fresh id forces a restart on promotion). */
const flaggerAnnotations = ["flagger-id"];
/** Flagger leaves out metadata of Flux's toolkit (kustomize.toolkit.fluxcd.io/...) when it copies. */
const toolkitMarker = "toolkit.fluxcd.io";

function withoutCopyNoise(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const clean = (map: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(map ?? {}).filter(
        ([k]) => !flaggerAnnotations.includes(k) && !k.includes(toolkitMarker),
      ),
    );
  return {
    ...template,
    metadata: {
      ...template.metadata,
      labels: clean(template.metadata?.labels),
      annotations: clean(template.metadata?.annotations),
    },
  };
}

/** Whether the primary runs the pod template Siskin would copy from the target now. */
export function primaryRunsTarget(
  input: Omit<PrimaryInput, "revision" | "currentReplicas">,
  primary: V1Deployment,
): boolean {
  const wanted = primaryDeployment({
    ...input,
    revision: "",
    currentReplicas: undefined,
  }).spec?.template;
  const running = primary.spec?.template;
  if (!wanted || !running) return false;
  // Both went through the API server's defaulting, so a JSON round trip is a fair comparison.
  const plain = (t: V1PodTemplateSpec) =>
    JSON.parse(JSON.stringify(withoutCopyNoise(t))) as unknown;
  return isDeepStrictEqual(plain(wanted), plain(running));
}

export type Adoption =
  { adopted: false } | { adopted: true; status: CanaryStatus; reason: string };

/**
 * A status written by Flagger, restated in Siskin's revisions where that changes nothing in traffic:
 * - Initialized or Succeeded, and the primary runs the target: the target's revision is the applied and
 *   promoted one (no run). If the target differs, it was changed while no operator ran: a normal run.
 * - Failed: the target holds the revision Flagger rolled back (or a newer one made during the switch,
 *   indistinguishable without Flagger's hash); it is recorded as applied, not retried, as Flagger would.
 * - Promoting or Finalising: the analysis passed; the promotion of the target goes on.
 * - Any other phase (mid-run, Waiting): not adopted; a run restarts from weight 0, which first gives all
 *   traffic back to the primary (Waiting asks its confirm-rollout gate again).
 */
export function adoptForeignStatus(
  status: CanaryStatus,
  targetRevision: string,
  runsTarget: () => boolean,
): Adoption {
  if (!isForeignRevision(status.lastAppliedSpec)) return { adopted: false };
  const phase = status.phase ?? "";
  if ((phase === "Initialized" || phase === "Succeeded") && runsTarget())
    return {
      adopted: true,
      status: {
        ...status,
        lastAppliedSpec: targetRevision,
        lastPromotedSpec: targetRevision,
      },
      reason: `${phase} by another operator; the primary runs the target's pod template, so there is nothing to roll out`,
    };
  if (phase === "Promoting" || phase === "Finalising")
    // The analysis passed under Flagger; promotion waits for the primary to carry Siskin's revision of
    // the target, which it could never match with Flagger's hash.
    return {
      adopted: true,
      status: { ...status, lastAppliedSpec: targetRevision },
      reason: `${phase} under another operator; the promotion of the target's revision goes on`,
    };
  if (phase === "Failed")
    return {
      adopted: true,
      status: { ...status, lastAppliedSpec: targetRevision },
      reason:
        "Failed under another operator; the target's revision is taken as the one rolled back and not retried",
    };
  return { adopted: false };
}
