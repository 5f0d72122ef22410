import { pino, type Logger } from "pino";

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

/** The one root logger; components take child loggers from it. */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    base: { app: "siskin" },
    redact: { paths: redactPaths, censor: "[redacted]" },
  });
}
