// Starts the dashboard beside the operator when --dashboard-port is set: a watch of the Events on
// Canaries (for the timeline; only while the dashboard is on) and the HTTP server.
import type { Canary } from "../api/canary.ts";
import type { OperatorConfig } from "../config/flags.ts";
import type { KubeApi } from "../kube/api.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { Reflector, type StoredObject } from "../kube/reflector.ts";
import type { ObjectStore } from "../kube/store.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { kubeAccessReviewer } from "./access.ts";
import { createDashboard } from "./server.ts";
import { compactEvent, type CanaryEvent } from "./views.ts";

export interface RunningDashboard {
  port: number;
  stop(): Promise<void>;
}

export async function startDashboard(
  options: NonNullable<OperatorConfig["dashboard"]>,
  deps: {
    client: KubeClient;
    api: KubeApi;
    canaries: ObjectStore<Canary & StoredObject>;
    namespace?: string;
    clock: Clock;
    logger: Logger;
  },
): Promise<RunningDashboard> {
  const events = new Reflector<CanaryEvent & StoredObject>({
    client: deps.client,
    clock: deps.clock,
    logger: deps.logger.child({ resource: "events" }),
    path: deps.namespace
      ? `/api/v1/namespaces/${deps.namespace}/events`
      : "/api/v1/events",
    fieldSelector: "involvedObject.kind=Canary",
    transform: compactEvent,
  });
  const dashboard = createDashboard({
    canaries: deps.canaries,
    events,
    reviewer: kubeAccessReviewer(deps.client),
    api: deps.api,
    clock: deps.clock,
    logger: deps.logger,
    sessionTtlMs: options.sessionTtlMs,
    secureCookie: options.secureCookie,
  });
  await new Promise<void>((resolve, reject) => {
    dashboard.server.once("error", reject);
    dashboard.server.listen(options.port, resolve);
  });
  const address = dashboard.server.address();
  const port =
    typeof address === "object" && address ? address.port : options.port;
  // The timeline fills in once the Events have listed; the pages work before that.
  void events.start();
  deps.logger.info({ dashboardPort: port }, "dashboard listening");
  return {
    port,
    async stop() {
      dashboard.hub.close();
      dashboard.server.closeAllConnections();
      dashboard.server.close();
      await events.stop();
    },
  };
}
