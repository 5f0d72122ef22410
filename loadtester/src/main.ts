#!/usr/bin/env node
// Siskin's load tester: flags -> gate store, task runner, HTTP server. Stops cleanly on SIGTERM/SIGINT.
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { logOptions } from "../../src/telemetry/logger.ts";
import { parseLoadTesterFlags } from "./flags.ts";
import { configMapGateStore, fileGateStore, Gates } from "./gates.ts";
import { LoadTesterMetrics } from "./metrics.ts";
import { createServer } from "./server.ts";
import { TaskRunner } from "./tasks.ts";

async function main(): Promise<void> {
  const parsed = parseLoadTesterFlags(process.argv.slice(2));
  if (!parsed.ok) {
    process.stderr.write(
      `siskin-loadtester: invalid flags:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
    process.exit(2);
  }
  const config = parsed.config;
  const logger = pino(logOptions(config.logLevel, "siskin-loadtester"));
  let store;
  if ("file" in config.gates) store = fileGateStore(config.gates.file);
  else {
    const kc = new KubeConfig();
    if (config.gates.kubeconfig) kc.loadFromFile(config.gates.kubeconfig);
    else kc.loadFromDefault();
    store = configMapGateStore(
      kc,
      config.gates.configMap.namespace,
      config.gates.configMap.name,
    );
  }
  const gates = new Gates(store, config.limits.maxOpenGates);
  await gates.load();
  // The gauge reads the runner when scraped, after both exist.
  const metrics: LoadTesterMetrics = new LoadTesterMetrics(
    (): number => tasks.inFlight,
  );
  const tasks: TaskRunner = new TaskRunner({
    policy: {
      prefixes: config.allowCommands,
      allowAny: config.allowAnyCommand,
    },
    limits: config.limits,
    logger,
    observer: metrics,
    onTaskEnd: (type, result) => metrics.task(type, result),
  });
  const server = createServer({
    gates,
    tasks,
    metrics,
    namespacePattern: config.namespacePattern,
    taskTimeoutMs: config.limits.taskTimeoutMs,
    logger,
  });
  await new Promise<void>((resolve) =>
    server.listen(config.port, config.listenAddress, resolve),
  );
  const address = server.address();
  logger.info(
    {
      port: typeof address === "object" && address ? address.port : config.port,
      gates: store.description,
      allowCommands: config.allowAnyCommand ? "(any)" : config.allowCommands,
      namespaceRegexp: config.namespacePattern.source,
    },
    "load tester listening",
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    tasks.stopAll();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  // The last line of defence: every task catches its own failures, but should one escape, it is logged
  // and the process keeps serving the other tenants instead of exiting.
  process.on("unhandledRejection", (reason) =>
    logger.error({ err: String(reason) }, "unhandled rejection (bug)"),
  );
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`siskin-loadtester: ${(error as Error).message}\n`);
  process.exit(1);
});
