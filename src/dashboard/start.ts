// Starts the dashboard beside the operator when --dashboard-port is set: the session Secret (key and
// logouts shared by the replicas), a watch of the Events on Canaries (for the timeline; only while the
// dashboard is on) and the HTTP server. Everything the dashboard asks of the API server goes through
// its own client (own connections and rate budget), so logins and page views cannot queue ahead of the
// controller's status writes or the leader's lease renewals.
import type { Canary } from "../api/canary.ts";
import type { OperatorConfig } from "../config/flags.ts";
import { KubeApi } from "../kube/api.ts";
import type { KubeClient } from "../kube/client/http.ts";
import { Reflector, type StoredObject } from "../kube/reflector.ts";
import type { ObjectStore } from "../kube/store.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { kubeAccessReviewer } from "./access.ts";
import { defaultDashboardLimits, type DashboardLimits } from "./limits.ts";
import { createDashboard, type Dashboard } from "./server.ts";
import { openSessionSecret } from "./session-secret.ts";
import { compactEvent, type CanaryEvent } from "./views.ts";

export interface RunningDashboard {
  port: number;
  dashboard: Dashboard;
  stop(): Promise<void>;
}

export async function startDashboard(
  options: NonNullable<OperatorConfig["dashboard"]>,
  deps: {
    /** The dashboard's own client. */
    client: KubeClient;
    canaries: ObjectStore<Canary & StoredObject>;
    /** Watched namespace, if one. */
    namespace?: string;
    /** Where the session Secret lives: the operator's own namespace. */
    operatorNamespace: string;
    clock: Clock;
    logger: Logger;
    limits?: DashboardLimits;
  },
): Promise<RunningDashboard> {
  const limits = deps.limits ?? defaultDashboardLimits;
  const secret = await openSessionSecret({
    client: deps.client,
    namespace: deps.operatorNamespace,
    name: options.sessionSecret,
    clock: deps.clock,
    logger: deps.logger,
  });
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
    api: new KubeApi(deps.client),
    clock: deps.clock,
    logger: deps.logger,
    sessionTtlMs: options.sessionTtlMs,
    secureCookie: options.secureCookie,
    sessionKey: secret.key,
    revocations: secret.revocations,
    limits,
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
    dashboard,
    async stop() {
      dashboard.hub.close();
      dashboard.server.closeAllConnections();
      dashboard.server.close();
      await Promise.all([events.stop(), secret.stop()]);
    },
  };
}
