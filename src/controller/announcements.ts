// What a reconcile announces after its status write: a Kubernetes Event (and the event webhooks), a
// notification (the Canary's alerts[], or the operator-wide notifier), or post-rollout hooks. Failures
// are logged and evented, never retried by re-running the reconcile: the step they describe has
// already been recorded.
import { canaryReference } from "../api/identity.ts";
import type { Canary, CanaryWebhook } from "../api/canary.ts";
import type { ResolvedSpec } from "../api/resolve.ts";
import { eventReasons } from "../analysis/reasons.ts";
import type { Action } from "../analysis/types.ts";
import { alertDestination } from "../notify/destination.ts";
import {
  NotifierRejected,
  notifierFor,
  severityAccepts,
} from "../notify/providers.ts";
import type { Notifier } from "../notify/types.ts";
import type { Logger } from "../telemetry/logger.ts";
import { errorMessage } from "../util/errors.ts";
import { callWebhooks, type HookPayload } from "../webhooks/call.ts";
import type { AnnounceDeps } from "./deps.ts";
import { lookupAlertProvider, templateLookups } from "./lookups.ts";

export interface AnnounceContext {
  deps: AnnounceDeps;
  canary: Canary;
  spec: ResolvedSpec;
  /** Phase and weight after this reconcile. */
  phase: string;
  weight: number;
  checksum: string;
  log: Logger;
}

const payloadOf = (ctx: AnnounceContext): HookPayload => ({
  name: ctx.canary.metadata.name,
  namespace: ctx.canary.metadata.namespace,
  phase: ctx.phase,
  checksum: ctx.checksum,
});

/** The Event, then the Canary's event webhooks and --event-webhook with it. */
export async function recordEvent(
  ctx: AnnounceContext,
  action: Extract<Action, { type: "event" }>,
): Promise<void> {
  const { deps } = ctx;
  await deps.events.record(
    canaryReference(ctx.canary),
    action.eventType,
    action.reason,
    action.message,
  );
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
  if (eventHooks.length === 0) return;
  const results = await callWebhooks(eventHooks, ["event"], {
    ...payloadOf(ctx),
    metadata: {
      eventMessage: action.message,
      eventType: action.eventType,
      timestamp: String(deps.clock.now().getTime()),
    },
  });
  for (const r of results.filter((x) => !x.ok))
    ctx.log.warn({ hook: r.name, result: r.message }, "event webhook failed");
}

/** Hooks that run after the status write (post-rollout); a failure becomes a Warning event. */
export async function runHooksAfterStatus(
  ctx: AnnounceContext,
  action: Extract<Action, { type: "runHooks" }>,
): Promise<void> {
  const results = await callWebhooks(
    ctx.spec.webhooks,
    [action.hookType],
    payloadOf(ctx),
  );
  for (const r of results.filter((x) => !x.ok)) {
    const message = `webhook ${r.name} (${r.type}) failed: ${r.message}`;
    ctx.log.warn({ hook: r.name, result: r.message }, "webhook failed");
    await ctx.deps.events.record(
      canaryReference(ctx.canary),
      "Warning",
      eventReasons.webhookFailed,
      message,
    );
  }
}

interface AlertTarget {
  name: string;
  /** The AlertProvider's type (slack, msteams, ...), for siskin_alerts_total. */
  type?: string;
  severity?: "info" | "warn" | "error";
  notifier?: Notifier;
  /** Why this alert cannot be sent (provider or Secret missing). */
  problem?: string;
}

/** What a notification needs to know: less than a reconcile's context, so a spec that did not resolve can alert too. */
export type NotifyContext = Pick<
  AnnounceContext,
  "deps" | "canary" | "phase" | "weight" | "log"
> & { targetName: string };

export const notifyContextOf = (ctx: AnnounceContext): NotifyContext => ({
  ...ctx,
  targetName: ctx.spec.targetName,
});

/** The Canary's alerts[] replace the operator-wide notifier; each is filtered by its severity. */
export async function sendNotification(
  ctx: NotifyContext,
  action: Extract<Action, { type: "notify" }>,
): Promise<void> {
  const { deps, canary } = ctx;
  const targets: AlertTarget[] = canary.spec.analysis.alerts?.length
    ? canary.spec.analysis.alerts.map((a) => alertTarget(deps, canary, a))
    : deps.notifiers;
  for (const t of targets) {
    if (!severityAccepts(t.severity, action.severity)) continue;
    const type = t.type ?? t.name;
    if (!t.notifier) {
      ctx.log.warn({ alert: t.name, problem: t.problem }, "alert not sent");
      deps.recorder.siskin.alert(type, "not_sent");
      continue;
    }
    try {
      await t.notifier.post({
        canary: {
          name: canary.metadata.name,
          namespace: canary.metadata.namespace,
        },
        target: ctx.targetName,
        ...(deps.config.dashboardUrl
          ? { link: canaryLink(deps.config.dashboardUrl, canary) }
          : {}),
        cluster: deps.config.clusterName,
        kind: action.kind,
        severity: action.severity,
        message: action.message,
        phase: ctx.phase,
        weight: ctx.weight,
        ...(action.reason ? { reason: action.reason } : {}),
      });
      deps.recorder.siskin.alert(type, "sent");
    } catch (error) {
      const answer =
        error instanceof NotifierRejected ? error.answer : "unreachable";
      ctx.log.warn(
        { alert: t.name, err: errorMessage(error), answer, kind: action.kind },
        "notification failed",
      );
      deps.recorder.siskin.alert(type, answer);
    }
  }
}

function alertTarget(
  deps: AnnounceDeps,
  canary: Canary,
  alert: NonNullable<Canary["spec"]["analysis"]["alerts"]>[number],
): AlertTarget {
  const ns = alert.providerRef.namespace || canary.metadata.namespace;
  const base = {
    name: alert.name,
    ...(alert.severity ? { severity: alert.severity } : {}),
  };
  const provider = lookupAlertProvider(deps.caches, ns, alert.providerRef.name);
  if (!provider)
    return {
      ...base,
      problem: `AlertProvider ${ns}/${alert.providerRef.name} not found`,
    };
  const secretName = provider.secretRef?.name;
  let secret: Record<string, string> | undefined;
  try {
    secret = secretName
      ? templateLookups(deps.caches).lookupSecret(ns, secretName)
      : {};
  } catch (error) {
    // A ServiceAccount token: never sent anywhere.
    return { ...base, problem: errorMessage(error) };
  }
  if (!secret)
    return { ...base, problem: `Secret ${ns}/${secretName} not found` };
  const found = alertDestination(
    { namespace: ns, name: alert.providerRef.name },
    provider,
    secret,
  );
  if (!found.ok) return { ...base, problem: found.problem };
  return {
    ...base,
    type: provider.type,
    notifier: notifierFor(found.destination),
  };
}

/** The Canary's page on the dashboard, as its users reach it (--dashboard-url). */
export function canaryLink(base: string, canary: Canary): string {
  return `${base.replace(/\/+$/, "")}/#/canary/${encodeURIComponent(canary.metadata.namespace)}/${encodeURIComponent(canary.metadata.name)}`;
}
