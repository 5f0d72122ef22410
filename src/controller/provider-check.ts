// When a Canary initializes, each MetricTemplate provider it uses is asked whether it answers, and the
// answer becomes an event. It runs as background work beside the reconcile and never delays or fails it.
import { canaryKey, canaryReference } from "../api/identity.ts";
import type { Canary } from "../api/canary.ts";
import { withoutUserinfo } from "../util/urls.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { EventRecorder } from "../kube/events.ts";
import { templateSource, type TemplateLookups } from "../metrics/checks.ts";
import { errorMessage } from "../util/errors.ts";
import type { BackgroundWork } from "./background.ts";

export interface ProviderCheckDeps extends TemplateLookups {
  events: EventRecorder;
  background: BackgroundWork;
  timeoutMs: number;
}

export function checkProviders(
  canary: Canary,
  spec: ResolvedSpec,
  deps: ProviderCheckDeps,
): void {
  const involved = canaryReference(canary);
  const seen = new Set<string>();
  for (const metric of spec.metrics) {
    const ref = metric.templateRef;
    const key = ref ? `${ref.namespace}/${ref.name}` : "";
    if (!ref || seen.has(key)) continue;
    seen.add(key);
    deps.background.run(
      canaryKey(canary.metadata.namespace, canary.metadata.name),
      "provider check",
      async () => {
        let online = false;
        let where = "";
        let detail = "";
        try {
          const { template, provider } = templateSource(
            metric,
            ref,
            deps,
            deps.timeoutMs,
          );
          where = ` ${template.provider.type}${template.provider.address ? ` at ${withoutUserinfo(template.provider.address)}` : ""}`;
          online = await provider.isOnline(AbortSignal.timeout(deps.timeoutMs));
        } catch (error) {
          detail = `: ${withoutUserinfo(errorMessage(error))}`;
        }
        await deps.events.record(
          involved,
          online ? "Normal" : "Warning",
          online ? "ProviderReachable" : "ProviderUnreachable",
          `MetricTemplate ${key} provider${where} ${online ? "is reachable" : `is not reachable${detail}`}`,
        );
      },
    );
  }
}
