// Runs one hey command line with the load tester's built-in generator (its parser and runLoad, as a
// webhook's `cmd: hey ...` does) and prints the summary as JSON.
import { parseHey } from "../../loadtester/src/hey-args.ts";
import { runLoad } from "../../loadtester/src/load.ts";

const parsed = parseHey(process.argv[2] ?? "");
if (!parsed.ok) {
  console.error(parsed.error);
  process.exit(2);
}
const summary = await runLoad(parsed.plan, new AbortController().signal);
console.log(JSON.stringify(summary));
