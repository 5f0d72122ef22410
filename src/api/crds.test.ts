import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crdFiles } from "./crds.ts";
import { renderCrdYaml } from "./crd-yaml.ts";

const root = join(import.meta.dirname, "..", "..");
const cases = ["crds", "charts/siskin/files/crds"].flatMap((folder) =>
  Object.keys(crdFiles).map((file) => [folder, file] as const),
);

describe("CRD manifests (crds/ and the Helm chart's files/crds/)", () => {
  it.each(cases)(
    "%s/%s matches src/api (run npm run gen:crds if not)",
    (folder, file) => {
      const committed = readFileSync(join(root, folder, file), "utf8");
      expect(committed).toBe(renderCrdYaml(crdFiles[file]!));
    },
  );
});
