// A real Prometheus scraping an EnvoyExporter whose traffic the test sets, started before a test file's
// tests and stopped after them, together with every scenario started against it.
import { afterAll, beforeAll } from "vitest";
import { LocalPrometheus } from "../../dev/services/prometheus.ts";
import { EnvoyExporter } from "./envoy-exporter.ts";
import { startScenario, type Scenario } from "./scenario.ts";

export function envoyMetrics() {
  const exporter = new EnvoyExporter();
  const prometheus = new LocalPrometheus();
  const scenarios: Scenario[] = [];
  beforeAll(async () => {
    await exporter.start();
    await prometheus.start([`127.0.0.1:${exporter.port}`]);
  });
  afterAll(async () => {
    await Promise.all(scenarios.map((s) => s.dispose()));
    await prometheus.stop();
    await exporter.stop();
  });
  return {
    exporter,
    prometheus,
    /** A scenario whose operator asks this Prometheus; disposed after the file's tests. */
    async scenario(prefix: string): Promise<Scenario> {
      const s = await startScenario(prefix, prometheus.url);
      scenarios.push(s);
      return s;
    },
    /** The Envoy cluster name of podinfo's canary or primary Upstream in the scenario's namespace. */
    cluster(s: Scenario, side: "canary" | "primary"): string {
      return `${s.ns}-podinfo-${side}upstream-9898_${s.ns}`;
    },
  };
}
