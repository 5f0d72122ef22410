import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crdFiles } from "./crds.ts";
import { renderCrdYaml } from "./crd-yaml.ts";

const crdsDir = join(import.meta.dirname, "..", "..", "crds");

describe("crds/", () => {
  it.each(Object.keys(crdFiles))(
    "%s matches src/api (run npm run gen:crds if not)",
    (file) => {
      const committed = readFileSync(join(crdsDir, file), "utf8");
      expect(committed).toBe(renderCrdYaml(crdFiles[file]!));
    },
  );
});
