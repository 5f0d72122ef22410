// `kubectl siskin get`: Canaries as a table (wide adds provider, target and interval), as kubectl prints
// them with -o json|yaml|name (one object for one name, a List for several), filtered by -l, and with
// -w followed by a watch: a row per change until Ctrl-C.
import { flaggerApiVersion } from "../api/identity.ts";
import { stringify } from "yaml";
import type { Canary } from "../api/canary.ts";
import { resourceOf, resourcePath } from "../kube/client/resources.ts";
import type { Session } from "./commands.ts";
import { canaryRef } from "./follow.ts";
import { canaryTable } from "./render.ts";
import { renderJsonPath } from "./jsonpath.ts";

export const outputFormats = ["json", "yaml", "name", "wide"] as const;
/** A named format, or kubectl's jsonpath=TEMPLATE. */
export type OutputFormat =
  (typeof outputFormats)[number] | { jsonpath: string };

export interface GetOptions {
  allNamespaces: boolean;
  output?: string;
  selector?: string;
  watch: boolean;
}

export function parseOutput(
  value: string | undefined,
): OutputFormat | undefined {
  if (value === undefined || value === "") return undefined;
  if ((outputFormats as readonly string[]).includes(value))
    return value as OutputFormat;
  const jsonpath = /^jsonpath=(.*)$/s.exec(value);
  if (jsonpath) {
    const template = jsonpath[1]!.replace(/^'(.*)'$/s, "$1");
    // Checked here, before any request: a bad template is a usage error (exit 3).
    renderJsonPath(template, {});
    return { jsonpath: template };
  }
  throw new Error(
    `-o ${value}: use one of ${outputFormats.join(", ")} or jsonpath=TEMPLATE`,
  );
}

/** What -o json/yaml prints: the object for one name, a kubectl List for several. */
export function asDocument(canaries: Canary[], one: boolean): unknown {
  if (one) return canaries[0];
  return {
    apiVersion: "v1",
    kind: "List",
    metadata: { resourceVersion: "" },
    items: canaries,
  };
}

export function formatCanaries(
  canaries: Canary[],
  format: OutputFormat | undefined,
  options: {
    one: boolean;
    allNamespaces: boolean;
    now: Date;
    header?: boolean;
  },
): string {
  if (typeof format === "object")
    // Printed as a line: a template that ends its own last line gets no second line end.
    return renderJsonPath(
      format.jsonpath,
      asDocument(canaries, options.one),
    ).replace(/\n$/, "");
  switch (format) {
    case "json":
      return JSON.stringify(asDocument(canaries, options.one), null, 2);
    case "yaml":
      return stringify(asDocument(canaries, options.one)).trimEnd();
    case "name":
      return canaries
        .map((c) => `canary.flagger.app/${c.metadata.name}`)
        .join("\n");
    case "wide":
    case undefined:
      return canaryTable(canaries, options.allNamespaces, options.now, {
        wide: format === "wide",
        header: options.header ?? true,
      });
  }
}

export async function get(
  session: Session,
  name: string | undefined,
  options: GetOptions,
): Promise<number> {
  const format = parseOutput(options.output);
  if (name && options.selector)
    throw new Error("a name and -l cannot be used together");
  const all = options.allNamespaces;
  const canaries = name
    ? [await session.api.get<Canary>(canaryRef(session.namespace, name))]
    : (
        await session.api.list<Canary>(
          {
            apiVersion: flaggerApiVersion,
            kind: "Canary",
            ...(all ? {} : { namespace: session.namespace }),
          },
          options.selector ? { labelSelector: options.selector } : {},
        )
      ).items;
  if (canaries.length === 0 && !format && !options.watch)
    session.print(
      `No Canaries in ${all ? "any namespace" : `namespace ${session.namespace}`}.`,
    );
  else if (canaries.length > 0 || format)
    session.print(
      formatCanaries(canaries, format, {
        one: !!name,
        allNamespaces: all,
        now: session.now(),
      }),
    );
  if (!options.watch) return 0;
  return watchCanaries(session, name, options, format);
}

/** -w: one row (or document) per change of a listed Canary, until Ctrl-C. */
async function watchCanaries(
  session: Session,
  name: string | undefined,
  options: GetOptions,
  format: OutputFormat | undefined,
): Promise<number> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  const path = resourcePath(resourceOf(flaggerApiVersion, "Canary"), {
    ...(options.allNamespaces ? {} : { namespace: session.namespace }),
  });
  const selector = {
    ...(name ? { fieldSelector: `metadata.name=${name}` } : {}),
    ...(options.selector ? { labelSelector: options.selector } : {}),
  };
  while (!stop.signal.aborted) {
    try {
      await session.client.watch(
        path,
        { ...selector, timeoutSeconds: 300 },
        (event) => {
          if (event.type !== "ADDED" && event.type !== "MODIFIED") return;
          session.print(
            formatCanaries([event.object as unknown as Canary], format, {
              one: true,
              allNamespaces: options.allNamespaces,
              now: session.now(),
              header: false,
            }),
          );
        },
        stop.signal,
      );
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  }
  return 0;
}
