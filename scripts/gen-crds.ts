// Writes crds/*.yaml and the Helm chart's copy (charts/siskin/files/crds/) from src/api (npm run gen:crds).
// A unit test fails when either is stale.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crdFiles } from "../src/api/crds.ts";
import { renderCrdYaml } from "../src/api/crd-yaml.ts";

for (const folder of ["crds", "charts/siskin/files/crds"]) {
  const dir = join(import.meta.dirname, "..", folder);
  mkdirSync(dir, { recursive: true });
  for (const [file, crd] of Object.entries(crdFiles)) {
    writeFileSync(join(dir, file), renderCrdYaml(crd));
    console.log(`wrote ${folder}/${file}`);
  }
}
