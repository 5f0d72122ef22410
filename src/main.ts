#!/usr/bin/env node
// Composition root: flags -> logger, Kubernetes client (one pooled, rate-limited connection), registries
// -> caches, work queue, step observations, background work, HTTP server, leader election.
import "./relaunch.ts"; // first: runs with the operator's V8 flags and malloc setting, however started
import { parseOperatorFlags } from "./config/flags.ts";
import { BackgroundWork } from "./controller/background.ts";
import { ensureWith } from "./controller/actions.ts";
import { canaryKey, createCaches, type Caches } from "./controller/caches.ts";
import {
  lookupRoute,
  lookupRouteTable,
  lookupUpstream,
} from "./controller/lookups.ts";
import { exposedGc, IdleCompaction } from "./util/idle-compaction.ts";
import { ReconcileFailures } from "./controller/failures.ts";
import { createReconciler } from "./controller/reconciler.ts";
import { defaultDashboardLimits } from "./dashboard/limits.ts";
import { startDashboard } from "./dashboard/start.ts";
import { FairSlots } from "./controller/fair-slots.ts";
import { StepObservations } from "./controller/step-observations.ts";
import { StepTimes } from "./controller/step-times.ts";
import { KubeApi } from "./kube/api.ts";
import { KubeClient } from "./kube/client/http.ts";
import { loadClusterAccess } from "./kube/client/kubeconfig.ts";
import { tokenBucket } from "./kube/client/rate-limit.ts";
import { kubeEventRecorder } from "./kube/events.ts";
import { LeaderElector, newIdentity } from "./kube/leader.ts";
import { kubeLeaseStore } from "./kube/lease-store.ts";
import { kubeObjectWriter } from "./kube/objects.ts";
import { WorkQueue } from "./kube/queue.ts";
import { prometheusProvider } from "./metrics/prometheus.ts";
import type { MetricProvider } from "./metrics/types.ts";
import { notifierFor } from "./notify/providers.ts";
import { routerNames, routers, type RouterName } from "./routers/registry.ts";
import type { Router } from "./routers/types.ts";
import { createRootLogger } from "./telemetry/logger.ts";
import { Recorder } from "./telemetry/recorder.ts";
import { createHttpServer } from "./telemetry/server.ts";
import { systemClock } from "./util/clock.ts";
import { version } from "./version.ts";
import { errorMessage, isRetriable, SiskinError } from "./util/errors.ts";

/**
 * Calls in flight per metrics provider and per webhook host. 64 queries answering in 200 ms carry the
 * checks of ~100 canaries stepping in the same second (bench:fleet's busy fleet); one slow provider
 * still cannot take the others' share, and one Canary holds at most 16 of a provider's slots.
 */
const outboundPerProvider = 64;

async function main(): Promise<void> {
  // Every timer of the operator is unref'd, and until the HTTP server listens nothing else holds the
  // event loop: without this, an API server that does not answer at start (discovery retrying with
  // backoff) ended the process quietly with exit code 0.
  const startingUp = setInterval(() => {}, 60_000);
  const parsed = parseOperatorFlags(process.argv.slice(2), routerNames);
  if (!parsed.ok) {
    process.stderr.write(
      `siskin: invalid flags:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    process.exit(2);
  }
  const config = parsed.config;
  const logger = createRootLogger(config.logLevel);
  const clock = systemClock;
  const recorder = new Recorder();
  recorder.setInfo(version, config.meshProvider);
  const access = loadClusterAccess(
    config.kubeconfig ? { kubeconfig: config.kubeconfig } : {},
  );
  const election = config.leaderElection;
  const identity = newIdentity();
  // The audit log names the process that wrote: two replicas' writes can be told apart.
  const userAgent = `siskin/${version} (${identity})`;
  const limiter = tokenBucket(
    config.kubeconfigQps,
    config.kubeconfigBurst,
    clock,
  );
  const leaseLimiter = tokenBucket(5, 10, clock);
  const dashboardLimiter = tokenBucket(
    defaultDashboardLimits.apiPerSecond,
    defaultDashboardLimits.apiBurst,
    clock,
  );
  recorder.runtime.limiterWaitsFrom(() => ({
    shared: limiter.waitedMs / 1000,
    ...(election.enabled ? { lease: leaseLimiter.waitedMs / 1000 } : {}),
    ...(config.dashboard
      ? { dashboard: dashboardLimiter.waitedMs / 1000 }
      : {}),
  }));
  const client = new KubeClient(access, {
    clock,
    userAgent,
    limiter,
    onRequest: (sample) => recorder.runtime.kubeRequest(sample),
  });
  const api = new KubeApi(client);
  // The dashboard's own client: its own connections and budget, so a login flood waits there.
  const dashboardClient = config.dashboard
    ? new KubeClient(access, {
        clock,
        userAgent: `${userAgent} dashboard`,
        limiter: dashboardLimiter,
        maxSockets: 8,
        onRequest: (sample) => recorder.runtime.kubeRequest(sample),
      })
    : undefined;

  // Lease traffic has a client of its own: its own two connections and budget (a renewal is two
  // requests per retry period), never behind reconcile traffic in the shared limiter or pool.
  const leaseClient = election.enabled
    ? new KubeClient(access, {
        clock,
        userAgent,
        limiter: leaseLimiter,
        maxSockets: 2,
        onRequest: (sample) => recorder.runtime.kubeRequest(sample),
      })
    : undefined;
  const elector = leaseClient
    ? new LeaderElector({
        store: kubeLeaseStore(
          leaseClient,
          election.namespace,
          "siskin-leader",
          election.renewDeadlineMs,
        ),
        clock,
        identity,
        logger: logger.child({ component: "leader-election" }),
        namespace: election.namespace,
        name: "siskin-leader",
        leaseDurationMs: election.leaseDurationMs,
        renewDeadlineMs: election.renewDeadlineMs,
        retryPeriodMs: election.retryPeriodMs,
      })
    : undefined;
  let leading = elector === undefined;
  // Nothing is reconciled before every cache has listed: a missing target would read as "not found".
  let synced = false;

  const queueLog = logger.child({ component: "queue" });
  const gc = exposedGc();
  const compaction = gc
    ? new IdleCompaction({
        clock,
        quietMs: 30_000,
        compact: () => {
          const mib = () => Math.round(process.memoryUsage.rss() / 1048576);
          const before = { rssMiB: mib(), at: performance.now() };
          gc();
          logger.info(
            {
              rssMiB: [before.rssMiB, mib()],
              ms: Math.round(performance.now() - before.at),
            },
            "heap compacted after a quiet period",
          );
        },
      })
    : undefined;
  const queue: WorkQueue = new WorkQueue(
    async (key) => {
      compaction?.noteWork();
      const result = await reconcile(key);
      failures.succeeded(key);
      return result;
    },
    {
      clock,
      concurrency: config.threadiness,
      metrics: recorder.runtime.queue("canary"),
      onError: (key, error) => {
        // A Canary deleted while its reconcile ran (a cache a moment behind) is not a failure.
        if (error instanceof SiskinError && error.code === "NOT_FOUND") {
          queueLog.debug(
            { canary: key, err: errorMessage(error) },
            "object gone during reconcile",
          );
          return false;
        }
        const retriable = isRetriable(error);
        queueLog.error(
          { canary: key, err: errorMessage(error), retriable },
          "reconcile failed",
        );
        failures
          .failed(key, error, retriable)
          .catch((reportError: unknown) =>
            queueLog.warn(
              { canary: key, err: errorMessage(reportError) },
              "could not report the failing reconcile on the Canary",
            ),
          );
        return retriable;
      },
    },
  );
  // A standby replica keeps its caches warm but reconciles nothing until it leads.
  const enqueue = (key: string): void => {
    if (leading && synced) queue.add(key);
  };
  const caches: Caches = await createCaches({
    client,
    clock,
    logger: logger.child({ component: "caches" }),
    ...(config.namespace ? { namespace: config.namespace } : {}),
    enqueue,
    forget: (key) => {
      queue.forget(key);
      failures.forget(key);
    },
    defaultProvider: config.meshProvider,
    watchIdleTimeoutMs: config.watchIdleTimeoutMs,
    ...(compaction ? { onWatchEvent: () => compaction.noteEvent() } : {}),
  });
  recorder.runtime.watchRestartsFrom(() => caches.restarts());
  const writer = kubeObjectWriter(api, (object) => caches.remember(object));
  const routerCache = new Map<string, Router>();
  const routerFor = (name: RouterName): Router => {
    let router = routerCache.get(name);
    if (!router)
      routerCache.set(
        name,
        (router = routers[name](
          {
            ensure: ensureWith(caches, writer),
            remove: (object) => writer.delete(object),
            lookupUpstream: (ns, n) => lookupUpstream(caches, ns, n),
            lookupRouteTable: (ns, n) => lookupRouteTable(caches, ns, n),
            lookupRoute: (kind, ns, n) => lookupRoute(caches, kind, ns, n),
          },
          { markBackends: config.gatewayApiMetrics === "envoy-gateway" },
        )),
      );
    return router;
  };
  const providers = new Map<string, MetricProvider>();
  const prometheusFor = (address: string): MetricProvider => {
    let provider = providers.get(address);
    if (!provider)
      providers.set(address, (provider = prometheusProvider({ address })));
    return provider;
  };
  // Operator-wide notifiers (--slack-url, --msteams-url); a Canary's alerts[] replace them.
  const notifiers = [
    ...(config.slack.url
      ? [
          {
            name: "--slack-url",
            notifier: notifierFor({
              type: "slack",
              address: config.slack.url,
              username: config.slack.user,
              ...(config.slack.channel
                ? { channel: config.slack.channel }
                : {}),
              ...(config.slack.proxy ? { proxy: config.slack.proxy } : {}),
              ...(config.slack.token ? { token: config.slack.token } : {}),
            }),
          },
        ]
      : []),
    ...(config.msteams.url
      ? [
          {
            name: "--msteams-url",
            notifier: notifierFor({
              type: "msteams",
              address: config.msteams.url,
              ...(config.msteams.proxy ? { proxy: config.msteams.proxy } : {}),
            }),
          },
        ]
      : []),
  ];
  const background = new BackgroundWork(
    logger.child({ component: "background" }),
  );
  const events = kubeEventRecorder(
    api,
    clock,
    logger.child({ component: "events" }),
  );
  // Used by the queue above, which runs nothing before start-up has finished.
  const failures = new ReconcileFailures({
    events,
    writer,
    clock,
    lookup: (key) => {
      const [namespace = "", name = ""] = key.split("/");
      return caches.canaries.get(name, namespace);
    },
  });
  const reconcile = createReconciler({
    caches,
    writer,
    events,
    routerFor,
    prometheusFor,
    notifiers,
    recorder,
    clock,
    logger: logger.child({ component: "reconciler" }),
    config,
    knownProviders: routerNames,
    stepTimes: new StepTimes(),
    steps: new StepObservations(clock, enqueue, background),
    outbound: new FairSlots(outboundPerProvider),
    background,
  });

  const server = createHttpServer(recorder.registry, {
    synced: () => caches.synced(),
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  clearInterval(startingUp);
  const address = server.address();
  logger.info(
    {
      port: typeof address === "object" && address ? address.port : config.port,
      meshProvider: config.meshProvider,
      namespace: config.namespace ?? "(all)",
      gloo: caches.routeTables !== undefined,
    },
    "siskin starting",
  );
  await caches.start();
  synced = true;
  logger.info("informers synced");
  const dashboardLog = logger.child({ component: "dashboard" });
  const dashboard = config.dashboard
    ? await startDashboard(config.dashboard, {
        client: dashboardClient ?? client,
        canaries: caches.canaries,
        ...(config.namespace ? { namespace: config.namespace } : {}),
        operatorNamespace: election.namespace,
        clock,
        logger: dashboardLog,
      }).catch((error: unknown) => {
        // The controller does not need the dashboard: it keeps running, and says why there is none.
        dashboardLog.error(
          { err: errorMessage(error) },
          "dashboard not started",
        );
        return undefined;
      })
    : undefined;
  const enqueueAll = () => {
    for (const canary of caches.canaries.list())
      queue.add(canaryKey(canary.metadata.namespace, canary.metadata.name));
  };
  if (leading) enqueueAll();

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, "shutting down: finishing reconciles in flight");
    leading = false;
    await queue.shutdown();
    await background.drain();
    await elector?.release();
    await dashboard?.stop();
    await caches.stop();
    client.close();
    leaseClient?.close();
    dashboardClient?.close();
    server.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  if (elector) {
    await elector.acquire(() => {
      // Another replica may lead now: stop at once rather than write alongside it; the pod restarts.
      process.exit(1);
    });
    leading = true;
    enqueueAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`siskin: ${errorMessage(error)}\n`);
  process.exit(1);
});
