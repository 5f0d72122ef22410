// Forwards one HTTP request to a loopback backend and reports the status and the time it took. A
// gateway's filters can change the request (headers, path) and the response headers on the way.
import http from "node:http";

export interface HeaderChanges {
  set?: { name: string; value: string }[];
  add?: { name: string; value: string }[];
  remove?: string[];
}

export interface ForwardOptions {
  /** The path to send instead of the request's (a URL rewrite). */
  path?: string;
  request?: HeaderChanges[];
  response?: HeaderChanges[];
}

type Headers = Record<string, string | string[] | undefined>;

function change(headers: Headers, changes: HeaderChanges[] = []): Headers {
  const out: Headers = { ...headers };
  for (const c of changes) {
    for (const h of c.set ?? []) out[h.name.toLowerCase()] = h.value;
    for (const h of c.add ?? []) {
      const key = h.name.toLowerCase();
      const had = out[key];
      out[key] =
        had === undefined
          ? h.value
          : key === "set-cookie"
            ? [...(Array.isArray(had) ? had : [had]), h.value]
            : `${Array.isArray(had) ? had.join(",") : had},${h.value}`;
    }
    for (const name of c.remove ?? []) delete out[name.toLowerCase()];
  }
  return out;
}

export function forward(
  backend: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: ForwardOptions = {},
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  // Joined as text: a request path such as "//x" must not be read as a protocol-relative URL.
  const url = options.path ?? req.url ?? "/";
  const path = url.startsWith("/") ? url : `/${url}`;
  const target = new URL(`${backend}${path}`);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`refusing to forward to ${backend}: loopback only`);
  return new Promise((resolve) => {
    const done = (status: number) =>
      resolve({ status, ms: performance.now() - started });
    const upstream = http.request(
      target,
      {
        method: req.method,
        headers: change({ ...req.headers, host: target.host }, options.request),
      },
      (answer) => {
        res.writeHead(
          answer.statusCode ?? 502,
          change(answer.headers, options.response) as http.OutgoingHttpHeaders,
        );
        answer.pipe(res);
        answer.on("end", () => done(answer.statusCode ?? 502));
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(503).end("upstream connect error");
      done(503);
    });
    req.pipe(upstream);
  });
}

/** Sends a copy of a request (a mirror): the answer is read and dropped. */
export function mirror(
  backend: string,
  method: string,
  path: string,
  headers: Headers,
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const target = new URL(
    `${backend}${path.startsWith("/") ? path : `/${path}`}`,
  );
  if (target.hostname !== "127.0.0.1")
    return Promise.reject(
      new Error(`refusing to mirror to ${backend}: loopback only`),
    );
  return new Promise((resolve) => {
    const sent = http.request(
      target,
      { method, headers: { ...headers, host: target.host } },
      (answer) => {
        answer.resume();
        answer.on("end", () =>
          resolve({
            status: answer.statusCode ?? 502,
            ms: performance.now() - started,
          }),
        );
      },
    );
    sent.on("error", () =>
      resolve({ status: 503, ms: performance.now() - started }),
    );
    sent.end();
  });
}
