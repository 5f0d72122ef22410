// Reasons of the Canary's Events and of its Promoted condition, named once (kubectl describe, alerts
// and tests read them). Flagger gives every step the reason Synced; Siskin keeps that and adds its own.
export const eventReasons = {
  /** Each step of a run (Flagger's reason for all of them). */
  synced: "Synced",
  metricCheckFailed: "MetricCheckFailed",
  webhookFailed: "WebhookFailed",
  invalidSpec: "InvalidSpec",
  providerReachable: "ProviderReachable",
  providerUnreachable: "ProviderUnreachable",
  /** A siskin.dev/request (kubectl siskin ...) carried out, or refused with the reason. */
  requestDone: "RequestDone",
  requestRefused: "RequestRefused",
  /** Flagger fields set on the Canary that its routers do not read (kept, with no effect). */
  fieldsIgnored: "FieldsIgnored",
  /** Reconciles of the Canary keep failing (a write the API server refuses, ...). */
  reconcileFailed: "ReconcileFailed",
} as const;

export type EventReason = (typeof eventReasons)[keyof typeof eventReasons];

/** The Promoted condition's reason is the phase, or this when the spec cannot run. */
export const conditionReasons = {
  invalidSpec: "InvalidSpec",
} as const;

export const promotedCondition = "Promoted";
/** Set while the Canary carries fields its routers ignore (src/api/ignored-fields.ts). */
export const fieldsIgnoredCondition = "FieldsIgnored";
/** Set while reconciles keep failing; cleared by the next one that gets through. */
export const reconcileFailedCondition = "ReconcileFailed";
