import { request } from "node:https";
import { request as plainRequest } from "node:http";

export interface ProbeOptions {
  /** PEM CA to verify the server with; without it, TLS is not verified (loopback health checks only). */
  ca?: string;
  bearerToken?: string;
  timeoutMs?: number;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** One GET against a loopback health endpoint; rejects on network errors and timeouts. */
export function probe(
  url: string,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`refusing to probe non-loopback address ${url}`);
  const send = target.protocol === "https:" ? request : plainRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: "GET",
        ca: options.ca,
        rejectUnauthorized: options.ca !== undefined,
        headers: options.bearerToken
          ? { authorization: `Bearer ${options.bearerToken}` }
          : {},
        timeout: options.timeoutMs ?? 2000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`timed out after ${options.timeoutMs ?? 2000} ms`)),
    );
    req.on("error", reject);
    req.end();
  });
}
