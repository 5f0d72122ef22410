import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** Paths redacted from every log line: webhook URLs, tokens and keys must never reach logs. */
export const redactPaths = [
  "slackUrl",
  "url",
  "address",
  "token",
  "*.token",
  "*.url",
  "*.address",
  "headers.authorization",
  "config.slack.url",
];

/**
 * The JSON line shape, kept as Flagger's (zap's production encoder) so saved Loki or Elasticsearch
 * queries keep working: "level" as a word ("info", "warn", "error"), "ts" as ISO-8601 UTC, "msg".
 * A Canary's lines also carry "name" and "namespace" (and Siskin's "canary": "ns/name").
 */
export function logOptions(level: string, app: string): LoggerOptions {
  return {
    level,
    base: { app },
    messageKey: "msg",
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths, censor: "[redacted]" },
  };
}

/** The one root logger; components take child loggers from it. */
export function createRootLogger(level: string): Logger {
  return pino(logOptions(level, "siskin"));
}
