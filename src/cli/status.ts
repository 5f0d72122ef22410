// `kubectl siskin status` (the run, with its timeline, redrawn on each change with --watch) and
// `convert-gateway` (what moves a Canary from Gloo Edge to Gateway API; applies nothing).
import type { Canary } from "../api/canary.ts";
import { errorMessage } from "../util/errors.ts";
import { follow, type Session } from "./commands.ts";
import { convertGateway, describeConversion } from "./convert-gateway.ts";
import { canaryRef } from "./follow.ts";
import { statusBlock, timelineLines, type CanaryEvent } from "./render.ts";

/** The status block and the run's timeline (the Canary's Events since the revision started). */
async function statusWithTimeline(
  session: Session,
  canary: Canary,
): Promise<string> {
  const events = await session.api.list<CanaryEvent>(
    { apiVersion: "v1", kind: "Event", namespace: session.namespace },
    {
      fieldSelector: `involvedObject.kind=Canary,involvedObject.name=${canary.metadata.name}`,
    },
  );
  const timeline = timelineLines(canary, events.items);
  return [
    statusBlock(canary, session.now()),
    ...(timeline.length
      ? ["  timeline (since the revision started):", ...timeline]
      : []),
  ].join("\n");
}

export async function status(
  session: Session,
  name: string,
  watch: boolean,
): Promise<number> {
  if (!watch) {
    const canary = await session.api.get<Canary>(
      canaryRef(session.namespace, name),
    );
    session.print(await statusWithTimeline(session, canary));
    return 0;
  }
  // Redraw on each change of the Canary (a watch), until Ctrl-C; each change is printed after the
  // previous one, once its Events are read.
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  let shown = "";
  let printing = Promise.resolve();
  await follow(
    session,
    name,
    (canary) => {
      printing = printing
        .then(async () => {
          const block = await statusWithTimeline(session, canary);
          if (block !== shown) {
            shown = block;
            session.print(`--- ${session.now().toISOString()}\n${block}`);
          }
        })
        .catch((error: unknown) => {
          session.print(
            `(could not read the Canary's events: ${errorMessage(error)})`,
          );
        });
      return false;
    },
    stop.signal,
  );
  await printing;
  return 0;
}

export async function convertGatewayCommand(
  session: Session,
  name: string,
  values: { gateway?: string; "gateway-class"?: string },
): Promise<number> {
  const [gatewayNamespace = "kgateway-system", gatewayName = "http"] = (
    values.gateway ?? "kgateway-system/http"
  ).split("/");
  const canary = await session.api.get<Canary>(
    canaryRef(session.namespace, name),
  );
  // Every VirtualService the user may read; the one delegating to this Canary's RouteTable is used.
  const virtualServices = await session.api
    .list<Parameters<typeof convertGateway>[0]["virtualServices"][number]>({
      apiVersion: "gateway.solo.io/v1",
      kind: "VirtualService",
    })
    .then(
      (l) => l.items,
      // Without Gloo's CRDs, or without leave to list them, there is nothing to carry over.
      () => [],
    );
  const converted = await convertGateway({
    canary,
    virtualServices,
    gateway: {
      name: gatewayName,
      namespace: gatewayNamespace,
      className: values["gateway-class"] ?? "kgateway",
    },
  });
  session.print(describeConversion(canary, converted));
  return 0;
}
