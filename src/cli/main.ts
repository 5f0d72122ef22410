#!/usr/bin/env node
// kubectl-siskin: control and watch Canaries without editing their spec (which GitOps would revert).
// On PATH as kubectl-siskin, kubectl runs it as `kubectl siskin ...`.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import type { Canary } from "../api/canary.ts";
import { requestActions, type RequestAction } from "../analysis/types.ts";
import { KubeApi } from "../kube/api.ts";
import { KubeClient } from "../kube/client/http.ts";
import { loadClusterAccess } from "../kube/client/kubeconfig.ts";
import { parseDuration } from "../util/durations.ts";
import { errorMessage } from "../util/errors.ts";
import {
  follow,
  sendRequest,
  waitFor,
  type Session,
  type WaitFor,
} from "./commands.ts";
import { convertGateway, describeConversion } from "./convert-gateway.ts";
import { canaryRef } from "./follow.ts";
import { notifyTest } from "./notify-test.ts";
import { exportRun, replayCommand } from "./replay.ts";
import {
  canaryTable,
  statusBlock,
  timelineLines,
  type CanaryEvent,
} from "./render.ts";

const usage = `kubectl siskin COMMAND [NAME] [flags]

  get [NAME]                    Canaries: phase, weight, failed checks, last verdicts (-A, -o json|yaml)
  status NAME [--watch]         the run: each check with value, threshold and query; the next step
  promote NAME                  finish the run now (or confirm a waiting rollout)
  abort NAME [--reason TEXT]    roll back now
  retry NAME                    analyse a Failed revision again, without an image change
  pause NAME | resume NAME      hold the run where it is (survives GitOps syncs) / go on
  wait NAME --for promoted|failed|phase=X [--image IMAGE] [--timeout 10m]
                                promoted/failed: the outcome of the target's current revision,
                                whenever reached (0 at once if already promoted); --image: of the
                                revision that runs IMAGE
  export NAME [--run previous]  a recorded run (spec + status.history) as JSON, for replay
  convert-gateway NAME [--gateway NS/NAME] [--gateway-class CLASS]
                                print what moves NAME from Gloo Edge to Gateway API (kgateway): the
                                Canary change, the HTTPRoute Siskin will write, a Gateway; applies nothing
  notify-test PROVIDER [--cluster NAME]
                                post a test message through an AlertProvider (read with your own
                                credentials, as the operator would send it) and print the answer
  replay FILE [--set a.b=v]...  the decision core over a recorded run, no cluster: each step's decision,
                                where it differs from the recording, the outcome (exit 0 promoted,
                                1 failed, 2 undecided)

Flags: -n NAMESPACE, -A (all namespaces), --kubeconfig PATH, --context NAME, --timeout (default 10m
for wait, 1m for requests). Requests exit 0 when carried out, 1 when refused, 2 without an answer;
wait exits 0 on the wanted outcome, 1 on the other, 2 on timeout; any error exits 3.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: "string", short: "n" },
      "all-namespaces": { type: "boolean", short: "A", default: false },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      output: { type: "string", short: "o" },
      watch: { type: "boolean", short: "w", default: false },
      reason: { type: "string" },
      for: { type: "string" },
      timeout: { type: "string" },
      image: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      run: { type: "string" },
      gateway: { type: "string" },
      cluster: { type: "string" },
      "gateway-class": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  // Replay needs no cluster.
  if (command === "replay") {
    if (!name)
      throw new Error("replay needs a file: kubectl siskin replay run.json");
    return replayCommand(name, values.set, (line) => console.log(line));
  }
  const access = loadClusterAccess({
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
  });
  const client = new KubeClient(access);
  const session: Session = {
    client,
    api: new KubeApi(client),
    namespace: values.namespace ?? access.namespace,
    user: userInfo().username,
    print: (line) => console.log(line),
    progress: (line) => console.error(line),
    now: () => new Date(),
  };
  try {
    return await run(session, command, name, values);
  } finally {
    client.close();
  }
}

type Values = {
  gateway?: string;
  "gateway-class"?: string;
  "all-namespaces": boolean;
  output?: string;
  watch: boolean;
  reason?: string;
  for?: string;
  timeout?: string;
  run?: string;
  image?: string;
  cluster?: string;
};

async function run(
  session: Session,
  command: string,
  name: string | undefined,
  values: Values,
): Promise<number> {
  const timeoutMs = (fallback: string) => {
    const ms = parseDuration(values.timeout ?? fallback);
    if (ms === undefined)
      throw new Error(
        `--timeout ${values.timeout}: write a duration such as 90s or 10m`,
      );
    return ms;
  };
  const needName = () => {
    if (!name)
      throw new Error(
        `${command} needs a Canary name: kubectl siskin ${command} NAME`,
      );
    return name;
  };
  if (command === "get") return get(session, name, values);
  if (command === "export") {
    if (values.run && values.run !== "current" && values.run !== "previous")
      throw new Error(`--run ${values.run}: use current or previous`);
    const canary = await session.api.get<Canary>(
      canaryRef(session.namespace, needName()),
    );
    session.print(
      JSON.stringify(
        exportRun(canary, values.run === "previous" ? "previous" : "current"),
        null,
        2,
      ),
    );
    return 0;
  }
  if (command === "status") return status(session, needName(), values.watch);
  if (command === "notify-test")
    return notifyTest(session, needName(), values.cluster ?? "");
  if (command === "convert-gateway")
    return convertGatewayCommand(session, needName(), values);
  if (command === "wait") {
    const wanted = parseWaitFor(values.for);
    if (values.image && wanted.kind === "phase")
      throw new Error("--image goes with --for promoted or --for failed");
    return waitFor(session, needName(), wanted, timeoutMs("10m"), {
      ...(values.image ? { image: values.image } : {}),
    });
  }
  if (requestActions.includes(command as RequestAction))
    return sendRequest(session, needName(), command as RequestAction, {
      ...(values.reason ? { reason: values.reason } : {}),
      timeoutMs: timeoutMs("1m"),
    });
  throw new Error(`unknown command ${command}; run kubectl siskin --help`);
}

function parseWaitFor(text: string | undefined): WaitFor {
  if (text === "promoted" || text === "failed") return { kind: text };
  const phase = /^phase=(\w+)$/.exec(text ?? "")?.[1];
  if (phase) return { kind: "phase", phase };
  throw new Error(
    `--for ${text ?? "(missing)"}: use promoted, failed or phase=<Phase>`,
  );
}

async function get(
  session: Session,
  name: string | undefined,
  values: Values,
): Promise<number> {
  const all = values["all-namespaces"];
  const canaries = name
    ? [await session.api.get<Canary>(canaryRef(session.namespace, name))]
    : (
        await session.api.list<Canary>({
          apiVersion: "flagger.app/v1beta1",
          kind: "Canary",
          ...(all ? {} : { namespace: session.namespace }),
        })
      ).items;
  if (values.output === "json")
    session.print(JSON.stringify(canaries, null, 2));
  else if (values.output === "yaml") session.print(stringify(canaries));
  else if (values.output)
    throw new Error(`-o ${values.output}: use json or yaml`);
  else if (canaries.length === 0)
    session.print(
      `No Canaries in ${all ? "any namespace" : `namespace ${session.namespace}`}.`,
    );
  else session.print(canaryTable(canaries, all, session.now()));
  return 0;
}

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

async function status(
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

async function convertGatewayCommand(
  session: Session,
  name: string,
  values: Values,
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`kubectl siskin: ${errorMessage(error)}`);
    process.exit(3);
  },
);
