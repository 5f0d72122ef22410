// The dashboard's files: its own page, script and styles (src/dashboard/static, copied beside the
// compiled code by the build) and uPlot's, read from its npm package. Everything is served from this
// origin: the page works with no internet, and the CSP allows nothing else.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Asset {
  body: Buffer;
  contentType: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** URL path -> file, fixed: nothing else on disk can be asked for. */
function assetFiles(): Record<string, string> {
  const uplot = dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));
  const own = join(here, "static");
  return {
    "/": join(own, "index.html"),
    "/assets/app.js": join(own, "app.js"),
    "/assets/canary-page.js": join(own, "canary-page.js"),
    "/assets/app.css": join(own, "app.css"),
    "/assets/uplot.js": join(uplot, "uPlot.iife.min.js"),
    "/assets/uplot.css": join(uplot, "uPlot.min.css"),
  };
}

/** Reads every asset once at start, so a missing file fails the start, not a visitor. */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, file] of Object.entries(assetFiles())) {
    const ext = file.slice(file.lastIndexOf("."));
    assets.set(path, {
      body: readFileSync(file),
      contentType: types[ext] ?? "application/octet-stream",
    });
  }
  return assets;
}
