// A real headless Chromium (Debian's `chromium`, or CHROMIUM_BIN) driven by puppeteer-core, for tests
// of the dashboard as a person sees it. Screenshots go to test-output/<folder>/.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { repoRoot } from "../../dev/cluster/cluster.ts";

const candidates = [
  process.env.CHROMIUM_BIN,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].filter((p): p is string => Boolean(p));

export function chromiumPath(): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      `no Chromium at ${candidates.join(", ")}: apt-get install chromium (scripts/system-deps.sh --moto does), or set CHROMIUM_BIN`,
    );
  return found;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in CI containers has no user namespaces for the sandbox; the pages are our own.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

export function outputFolder(name: string): string {
  const dir = join(repoRoot, "test-output", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
