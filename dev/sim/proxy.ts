// Forwards one HTTP request to a loopback backend and reports the status and the time it took.
import http from "node:http";

export function forward(
  backend: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  // Joined as text: a request path such as "//x" must not be read as a protocol-relative URL.
  const path = req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`;
  const target = new URL(`${backend}${path}`);
  if (target.hostname !== "127.0.0.1")
    throw new Error(`refusing to forward to ${backend}: loopback only`);
  return new Promise((resolve) => {
    const done = (status: number) =>
      resolve({ status, ms: performance.now() - started });
    const upstream = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
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
