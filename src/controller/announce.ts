// After the status write: Kubernetes Events, notifications (the Canary's alerts[], or the operator-wide
// Slack notifier), post-rollout hooks and event hooks. Failures here are logged and evented, never
// retried by re-running the reconcile: the step they describe has already been recorded.
import type { Canary, CanaryWebhook } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import type { AlertProviderSpec } from "../api/templates.ts";
import type { Action } from "../analysis/types.ts";
import { notifierFor, severityAccepts } from "../notify/providers.ts";
import type { Notification, Notifier } from "../notify/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import { errorMessage } from "../util/errors.ts";
import { callWebhooks, type HookPayload } from "../webhooks/call.ts";
import { lookups } from "./report.ts";
import type { ReconcilerDeps } from "./reconciler.ts";

export interface TellContext {
  spec: ResolvedSpec;
  /** Phase and weight after this reconcile. */
  phase: string;
  weight: number;
  checksum: string;
}

export async function tell(
  deps: ReconcilerDeps,
  canary: Canary,
  ctx: TellContext,
  actions: Action[],
  log: Logger,
): Promise<void> {
  const { name, namespace } = canary.metadata;
  const involved = {
    apiVersion: "flagger.app/v1beta1",
    kind: "Canary",
    name,
    namespace,
    uid: canary.metadata.uid,
  };
  const payload: HookPayload = {
    name,
    namespace,
    phase: ctx.phase,
    checksum: ctx.checksum,
  };
  const eventHooks: CanaryWebhook[] = [
    ...ctx.spec.webhooks.filter((h) => h.type === "event"),
    ...(deps.config.eventWebhook
      ? [
          {
            name: "event-webhook",
            type: "event",
            url: deps.config.eventWebhook,
          } as const,
        ]
      : []),
  ];
  for (const action of actions) {
    if (action.type === "event") {
      await deps.events.record(
        involved,
        action.eventType,
        action.reason,
        action.message,
      );
      if (eventHooks.length > 0) {
        const results = await callWebhooks(eventHooks, ["event"], {
          ...payload,
          metadata: {
            eventMessage: action.message,
            eventType: action.eventType,
            timestamp: String(deps.clock.now().getTime()),
          },
        });
        for (const r of results.filter((x) => !x.ok))
          log.warn({ hook: r.name, result: r.message }, "event webhook failed");
      }
    } else if (action.type === "notify") {
      await notify(
        deps,
        canary,
        {
          canary: { name, namespace },
          target: ctx.spec.targetName,
          cluster: deps.config.clusterName,
          kind: action.kind,
          severity: action.severity,
          message: action.message,
          phase: ctx.phase,
          weight: ctx.weight,
          ...(action.reason ? { reason: action.reason } : {}),
        },
        log,
      );
    } else if (action.type === "runHooks") {
      const results = await callWebhooks(
        ctx.spec.webhooks,
        [action.hookType],
        payload,
      );
      for (const r of results.filter((x) => !x.ok)) {
        const message = `webhook ${r.name} (${r.type}) failed: ${r.message}`;
        log.warn({ hook: r.name, result: r.message }, "webhook failed");
        await deps.events.record(involved, "Warning", "WebhookFailed", message);
      }
    }
  }
}

interface AlertTarget {
  name: string;
  severity?: "info" | "warn" | "error";
  notifier?: Notifier;
  /** Why this alert cannot be sent (provider or Secret missing). */
  problem?: string;
}

/** The Canary's alerts[] replace the operator-wide notifier; each is filtered by its severity. */
async function notify(
  deps: ReconcilerDeps,
  canary: Canary,
  n: Notification,
  log: Logger,
): Promise<void> {
  const targets: AlertTarget[] = canary.spec.analysis.alerts?.length
    ? canary.spec.analysis.alerts.map((a) => alertTarget(deps, canary, a))
    : deps.notifier
      ? [{ name: "--slack-url", notifier: deps.notifier }]
      : [];
  for (const t of targets) {
    if (!severityAccepts(t.severity, n.severity)) continue;
    if (!t.notifier) {
      log.warn({ alert: t.name, problem: t.problem }, "alert not sent");
      continue;
    }
    try {
      await t.notifier.post(n);
    } catch (error) {
      log.warn(
        { alert: t.name, err: errorMessage(error), kind: n.kind },
        "notification failed",
      );
    }
  }
}

function alertTarget(
  deps: ReconcilerDeps,
  canary: Canary,
  alert: NonNullable<Canary["spec"]["analysis"]["alerts"]>[number],
): AlertTarget {
  const ns = alert.providerRef.namespace ?? canary.metadata.namespace;
  const base = {
    name: alert.name,
    ...(alert.severity ? { severity: alert.severity } : {}),
  };
  const provider = (
    deps.caches.alertProviders.get(alert.providerRef.name, ns) as
      { spec?: AlertProviderSpec } | undefined
  )?.spec;
  if (!provider)
    return {
      ...base,
      problem: `AlertProvider ${ns}/${alert.providerRef.name} not found`,
    };
  const secretName = provider.secretRef?.name;
  const secret = secretName ? lookups(deps).lookupSecret(ns, secretName) : {};
  if (!secret)
    return { ...base, problem: `Secret ${ns}/${secretName} not found` };
  const address = secret.address ?? provider.address;
  if (!address)
    return {
      ...base,
      problem: `AlertProvider ${ns}/${alert.providerRef.name} has no address (spec.address or the Secret's address key)`,
    };
  const proxy = secret.proxy ?? provider.proxy;
  return {
    ...base,
    notifier: notifierFor({
      type: provider.type,
      address,
      ...(provider.channel ? { channel: provider.channel } : {}),
      ...(provider.username ? { username: provider.username } : {}),
      ...(proxy ? { proxy } : {}),
      ...(secret.token ? { token: secret.token } : {}),
    }),
  };
}
