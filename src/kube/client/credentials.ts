// The Authorization header for each request: a static token, a token file (re-read every minute, as
// projected service-account tokens rotate), basic auth, or an exec plugin (client.authentication.k8s.io)
// whose token is cached until shortly before it expires. invalidate() after a 401 forces a refresh.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { Clock } from "../../util/clock.ts";
import { SiskinError } from "../../util/errors.ts";
import type { Credentials, ExecConfig } from "./kubeconfig.ts";

export interface CredentialSource {
  /** The Authorization header value, or undefined when none is needed (client certificates). */
  authorization(): Promise<string | undefined>;
  /** Called after a 401: the next authorization() fetches a fresh token. */
  invalidate(): void;
}

const tokenFileTtlMs = 60_000;
const execRefreshMarginMs = 60_000;

export function credentialSource(
  credentials: Credentials,
  clock: Clock,
): CredentialSource {
  switch (credentials.type) {
    case "none":
      return { authorization: async () => undefined, invalidate: () => {} };
    case "token":
      return {
        authorization: async () => `Bearer ${credentials.token}`,
        invalidate: () => {},
      };
    case "basic": {
      const value = Buffer.from(
        `${credentials.username}:${credentials.password}`,
      ).toString("base64");
      return {
        authorization: async () => `Basic ${value}`,
        invalidate: () => {},
      };
    }
    case "tokenFile":
      return cached(clock, async () => ({
        token: (await readFile(credentials.path, "utf8")).trim(),
        expiresAt: clock.now().getTime() + tokenFileTtlMs,
      }));
    case "exec":
      return cached(clock, () => runExecPlugin(credentials.exec, clock));
  }
}

interface Token {
  token: string;
  expiresAt: number;
}

function cached(clock: Clock, fetch: () => Promise<Token>): CredentialSource {
  let current: Token | undefined;
  let pending: Promise<Token> | undefined;
  return {
    async authorization() {
      const now = clock.now().getTime();
      if (!current || current.expiresAt <= now) {
        pending ??= fetch().finally(() => (pending = undefined));
        current = await pending;
      }
      return `Bearer ${current.token}`;
    },
    invalidate() {
      current = undefined;
    },
  };
}

/** Runs the plugin without a terminal (interactive: false) and reads status.token from its output. */
function runExecPlugin(exec: ExecConfig, clock: Clock): Promise<Token> {
  const info = JSON.stringify({
    apiVersion: exec.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false },
  });
  return new Promise((resolve, reject) => {
    execFile(
      exec.command,
      exec.args,
      {
        env: { ...process.env, ...exec.env, KUBERNETES_EXEC_INFO: info },
        timeout: 60_000,
        maxBuffer: 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new SiskinError(
              "CONFIG",
              `exec credential plugin ${exec.command} failed: ${stderr.trim() || error.message}`,
              { retriable: true },
            ),
          );
          return;
        }
        try {
          const parsed = JSON.parse(stdout) as {
            status?: { token?: string; expirationTimestamp?: string };
          };
          const token = parsed.status?.token;
          if (!token)
            throw new Error(
              "its ExecCredential has no status.token (client certificates from plugins are not supported)",
            );
          const expiry = parsed.status?.expirationTimestamp
            ? Date.parse(parsed.status.expirationTimestamp)
            : Number.POSITIVE_INFINITY;
          resolve({
            token,
            expiresAt: Math.max(
              clock.now().getTime(),
              expiry - execRefreshMarginMs,
            ),
          });
        } catch (e) {
          reject(
            new SiskinError(
              "CONFIG",
              `exec credential plugin ${exec.command}: ${(e as Error).message}`,
            ),
          );
        }
      },
    );
  });
}
