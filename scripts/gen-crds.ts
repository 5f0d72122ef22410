// Writes crds/*.yaml from src/api (npm run gen:crds). A unit test fails when crds/ is stale.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crdFiles } from "../src/api/crds.ts";
import { renderCrdYaml } from "../src/api/crd-yaml.ts";

const dir = join(import.meta.dirname, "..", "crds");
mkdirSync(dir, { recursive: true });
for (const [file, crd] of Object.entries(crdFiles)) {
  writeFileSync(join(dir, file), renderCrdYaml(crd));
  console.log(`wrote crds/${file}`);
}
