import type { NotificationKind } from "../analysis/types.ts";

export interface Notification {
  canary: { name: string; namespace: string };
  target: string;
  cluster: string;
  kind: NotificationKind;
  severity: "info" | "warn" | "error";
  message: string;
  /** Why, for rollbacks: the failing metric with value and threshold, or the deadline. */
  reason?: string;
}

/** One chat or webhook destination. Rejects when the destination did not accept the message. */
export interface Notifier {
  post(notification: Notification): Promise<void>;
}
