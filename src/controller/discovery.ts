// Which optional APIs the cluster serves (Gloo's, Gateway API's), asked once at start. A 404 means
// "not served" and the operator runs without them; any other failure (the API server restarting, a
// 503 from an aggregated API, a timeout) is logged and asked again with backoff, then ends the start
// with an error, instead of silently running as if the cluster had no Gloo.
import type { KubeClient } from "../kube/client/http.ts";
import { statusCodeOf } from "../kube/client/errors.ts";
import type { Logger } from "../telemetry/logger.ts";
import { backoffDelay, sleep } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage, SiskinError } from "../util/errors.ts";

const policy = { baseMs: 500, maxMs: 8000 };
export const discoveryAttempts = 6;

export interface Discovery {
  client: Pick<KubeClient, "request">;
  clock: Clock;
  logger: Logger;
}

/** The group version's resource names, or undefined when the cluster does not serve it (404). */
export async function servedResources(
  d: Discovery,
  groupVersion: string,
): Promise<Set<string> | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const list = await d.client.request<{ resources?: { name?: string }[] }>({
        method: "GET",
        path: `/apis/${groupVersion}`,
      });
      return new Set((list.resources ?? []).map((r) => r.name ?? ""));
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      if (attempt >= discoveryAttempts)
        throw new SiskinError(
          "KUBE_API",
          `cannot tell whether the cluster serves ${groupVersion} after ${attempt} tries: ${errorMessage(error)}`,
          { cause: error },
        );
      const delayMs = backoffDelay(attempt, policy);
      d.logger.warn(
        { groupVersion, attempt, retryInMs: delayMs, err: errorMessage(error) },
        "API discovery failed; asking again",
      );
      await sleep(d.clock, delayMs);
    }
  }
}
