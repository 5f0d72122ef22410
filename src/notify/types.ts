import type { NotificationKind } from "../analysis/types.ts";

export type Severity = "info" | "warn" | "error";

export interface Notification {
  canary: { name: string; namespace: string };
  target: string;
  cluster: string;
  kind: NotificationKind;
  severity: Severity;
  message: string;
  /** The Canary's phase and canary weight after this reconcile. */
  phase: string;
  weight: number;
  /** Why, for rollbacks and halts: the failing metric with value and threshold, a webhook, or the deadline. */
  reason?: string;
  /** The Canary's page on the dashboard (--dashboard-url), when one is configured. */
  link?: string;
}

/** One chat or webhook destination. Rejects when the destination did not accept the message. */
export interface Notifier {
  post(notification: Notification): Promise<void>;
}
