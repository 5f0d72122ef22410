// Plain HTTP requests to the loopback stand-ins with a chosen Host header (fetch may not set Host), as a
// browser or curl reaches a gateway by name.
import http from "node:http";

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export function request(
  url: string,
  options: {
    host?: string;
    headers?: Record<string, string>;
    method?: string;
  } = {},
): Promise<Answer> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1")
    return Promise.reject(new Error(`loopback only: ${url}`));
  return new Promise((resolve, reject) => {
    const sent = http.request(
      target,
      {
        method: options.method ?? "GET",
        headers: {
          ...(options.host ? { host: options.host } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers }),
        );
      },
    );
    sent.on("error", reject);
    sent.end();
  });
}

/** The podinfo version that answered (the simulator's JSON says it). */
export const versionOf = (answer: Answer): string | undefined => {
  try {
    return (JSON.parse(answer.body) as { version?: string }).version;
  } catch {
    return undefined;
  }
};
