// When a Canary initializes, each MetricTemplate provider it uses is asked whether it answers, and the
// answer becomes an event. It runs beside the reconcile and never delays or fails it.
import type { Canary } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { MetricTemplateSpec } from "../api/templates.ts";
import type { EventRecorder } from "../kube/events.ts";
import { templateProvider } from "../metrics/registry.ts";
import { errorMessage } from "../util/errors.ts";

export interface ProviderCheckDeps {
  events: EventRecorder;
  lookupTemplate(
    namespace: string,
    name: string,
  ): MetricTemplateSpec | undefined;
  lookupSecret(
    namespace: string,
    name: string,
  ): Record<string, string> | undefined;
  timeoutMs: number;
}

export function checkProvidersInBackground(
  canary: Canary,
  spec: ResolvedSpec,
  deps: ProviderCheckDeps,
): void {
  const involved = {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    name: canary.metadata.name,
    namespace: canary.metadata.namespace,
    ...(canary.metadata.uid ? { uid: canary.metadata.uid } : {}),
  };
  const refs = new Map(
    spec.metrics.flatMap((m) =>
      m.templateRef
        ? [[`${m.templateRef.namespace}/${m.templateRef.name}`, m] as const]
        : [],
    ),
  );
  for (const [key, metric] of refs) {
    const ref = metric.templateRef!;
    void (async () => {
      const template = deps.lookupTemplate(ref.namespace, ref.name);
      if (!template) return; // reported by validation
      const where = `${template.provider.type}${template.provider.address ? ` at ${template.provider.address}` : ""}`;
      let online = false;
      let detail = "";
      try {
        const secretName = template.provider.secretRef?.name;
        const provider = templateProvider({
          template: {
            namespace: ref.namespace,
            name: ref.name,
            spec: template,
          },
          secret: secretName
            ? deps.lookupSecret(ref.namespace, secretName)
            : undefined,
          intervalMs: metric.intervalMs,
          timeoutMs: deps.timeoutMs,
        });
        online = await provider.isOnline(AbortSignal.timeout(deps.timeoutMs));
      } catch (error) {
        detail = `: ${errorMessage(error)}`;
      }
      await deps.events.record(
        involved,
        online ? "Normal" : "Warning",
        online ? "ProviderReachable" : "ProviderUnreachable",
        `MetricTemplate ${key} provider ${where} ${online ? "is reachable" : `is not reachable${detail}`}`,
      );
    })();
  }
}
