// A podinfo-like HTTP server for one version: `/` (JSON with version, hostname, message), `/healthz`,
// `/status/{code}`, `/delay/{seconds}`, `/token`. The version's behaviour (error rate, added latency)
// comes from the demo's configuration, so a release can be made faulty on purpose.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TrafficShare } from "./traffic-share.ts";

export interface Behaviour {
  /** Fraction of requests to `/` answered 500, spread evenly (0.25 = every fourth). */
  errorRate: number;
  /** Added to every request to `/`. */
  latencyMs: number;
  /**
   * A release that degrades only once it takes (nearly) all the traffic: while its share of the
   * requests over the last seconds is at least `share`, it fails at `errorRate` instead.
   */
  atFullTraffic?: { share: number; errorRate: number };
}

export const healthy: Behaviour = { errorRate: 0, latencyMs: 0 };

export interface VersionServer {
  version: string;
  url: string;
  served: number;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

export async function startPodinfo(
  version: string,
  behaviour: Behaviour,
  traffic?: TrafficShare,
): Promise<VersionServer> {
  let count = 0;
  const state = { served: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.served++;
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const hostname = `podinfo-${version.replaceAll(".", "-")}`;
      if (path === "/healthz" || path === "/readyz")
        return json(res, 200, { status: "OK" });
      if (path === "/token" && req.method === "POST")
        return json(res, 200, {
          token: `demo-${version}`,
          expires_at: new Date(Date.now() + 60_000).toISOString(),
        });
      const status = /^\/status\/(\d{3})$/.exec(path);
      if (status)
        return json(res, Number(status[1]), { status: Number(status[1]) });
      const delay = /^\/delay\/(\d+)$/.exec(path);
      if (delay) {
        const seconds = Math.min(Number(delay[1]), 10);
        return void setTimeout(
          () => json(res, 200, { delay: seconds }),
          seconds * 1000,
        );
      }
      // Evenly spread errors: request n fails when floor((n+1) * rate) > floor(n * rate).
      traffic?.served(version);
      const full = behaviour.atFullTraffic;
      const rate =
        full && traffic && traffic.share(version) >= full.share
          ? full.errorRate
          : behaviour.errorRate;
      const n = count++;
      const fails = Math.floor((n + 1) * rate) > Math.floor(n * rate);
      setTimeout(() => {
        if (fails)
          return json(res, 500, {
            error: `podinfo ${version} is faulty (demo)`,
          });
        json(res, 200, {
          hostname,
          version,
          revision: version,
          message: `greetings from podinfo v${version}`,
        });
      }, behaviour.latencyMs);
    });
  });
  await new Promise<void>((resolve) =>
    server.listen({ host: "127.0.0.1", port: 0 }, resolve),
  );
  return {
    version,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get served() {
      return state.served;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
