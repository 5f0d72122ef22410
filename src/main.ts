#!/usr/bin/env node
// Composition root: flags -> logger, kube client, registries -> informers, work queue, HTTP server.
import { KubeConfig } from "@kubernetes/client-node";
import { parseOperatorFlags } from "./config/flags.ts";
import { canaryKey, createCaches } from "./controller/caches.ts";
import { createReconciler } from "./controller/reconciler.ts";
import { kubeEventRecorder } from "./kube/events.ts";
import { LeaderElector } from "./kube/leader.ts";
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
import { errorMessage, isRetriable, SiskinError } from "./util/errors.ts";

export const version = "0.1.0";

async function main(): Promise<void> {
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
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromDefault();

  const recorder = new Recorder();
  recorder.setInfo(version, config.meshProvider);
  const writer = kubeObjectWriter(kc);
  const routerCache = new Map<string, Router>();
  const routerFor = (name: RouterName): Router => {
    let router = routerCache.get(name);
    if (!router) routerCache.set(name, (router = routers[name](kc, writer)));
    return router;
  };
  const providers = new Map<string, MetricProvider>();
  const prometheusFor = (address: string): MetricProvider => {
    let provider = providers.get(address);
    if (!provider)
      providers.set(address, (provider = prometheusProvider({ address })));
    return provider;
  };

  const election = config.leaderElection;
  const elector = election.enabled
    ? new LeaderElector({
        kc,
        clock,
        logger: logger.child({ component: "leader-election" }),
        namespace: election.namespace,
        name: "siskin-leader",
        leaseDurationMs: election.leaseDurationMs,
        renewDeadlineMs: election.renewDeadlineMs,
        retryPeriodMs: election.retryPeriodMs,
      })
    : undefined;
  let leading = elector === undefined;

  const queueLog = logger.child({ component: "queue" });
  const queue: WorkQueue = new WorkQueue((key) => reconcile(key), {
    clock,
    concurrency: 4,
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
      return retriable;
    },
  });
  const caches = createCaches({
    kc,
    clock,
    logger: logger.child({ component: "informers" }),
    ...(config.namespace ? { namespace: config.namespace } : {}),
    // A standby replica keeps its caches warm but reconciles nothing until it leads.
    enqueue: (key) => {
      if (leading) queue.add(key);
    },
  });
  const reconcile = createReconciler({
    caches,
    writer,
    events: kubeEventRecorder(kc, clock, logger.child({ component: "events" })),
    routerFor,
    prometheusFor,
    notifier: config.slack.url
      ? notifierFor({
          type: "slack",
          address: config.slack.url,
          username: config.slack.user,
          ...(config.slack.channel ? { channel: config.slack.channel } : {}),
        })
      : undefined,
    recorder,
    clock,
    logger: logger.child({ component: "reconciler" }),
    config,
    knownProviders: routerNames,
  });
  const server = createHttpServer(recorder.registry, {
    synced: () => caches.synced(),
  });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  logger.info(
    {
      port: typeof address === "object" && address ? address.port : config.port,
      meshProvider: config.meshProvider,
      namespace: config.namespace ?? "(all)",
    },
    "siskin starting",
  );
  await caches.start();
  logger.info("informers synced");

  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, "shutting down: finishing reconciles in flight");
    leading = false;
    await queue.shutdown();
    await elector?.release();
    await caches.stop();
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
    for (const canary of caches.canaries.list())
      queue.add(canaryKey(canary.metadata.namespace, canary.metadata.name));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`siskin: ${errorMessage(error)}\n`);
  process.exit(1);
});
