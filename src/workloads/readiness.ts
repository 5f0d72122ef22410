// Deployment readiness as COMPAT §4 states it, as a pure function of the object.
import type { V1Deployment } from "@kubernetes/client-node";
import type { Readiness } from "../analysis/types.ts";

export function deploymentReadiness(
  deployment: V1Deployment | undefined,
  thresholdPercent: number,
): Readiness {
  if (!deployment) return { ready: false, message: "does not exist" };
  const spec = deployment.spec;
  const status = deployment.status ?? {};
  const name = deployment.metadata?.name ?? "deployment";
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      ready: false,
      failed: true,
      message: `${name} exceeded its progress deadline`,
    };
  }
  if (
    (deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)
  ) {
    return {
      ready: false,
      message: `waiting for the rollout of ${name} to be observed`,
    };
  }
  const replicas = spec?.replicas ?? 1;
  if (replicas === 0)
    return { ready: false, message: `${name} is scaled to zero` };
  const updated = status.updatedReplicas ?? 0;
  if (updated < replicas)
    return {
      ready: false,
      message: `${updated} of ${replicas} updated replicas of ${name} are ready`,
    };
  if ((status.replicas ?? 0) > updated) {
    return {
      ready: false,
      message: `${(status.replicas ?? 0) - updated} old replicas of ${name} are pending termination`,
    };
  }
  const needed = Math.ceil((replicas * thresholdPercent) / 100);
  const available = status.availableReplicas ?? 0;
  if (available < needed)
    return {
      ready: false,
      message: `${available} of ${needed} updated replicas of ${name} are available`,
    };
  return { ready: true };
}
