// Part of `npm run build`: the dashboard's browser files are not TypeScript, so tsc does not emit them;
// they are copied beside the compiled server, which serves them from its own folder.
import { cpSync } from "node:fs";

cpSync("src/dashboard/static", "dist/src/dashboard/static", {
  recursive: true,
});
