// Every action of the decision core is carried out here, in one exhaustive switch (ESLint's
// switch-exhaustiveness-check and the compiler fail the build if a new Action type is not handled).
// Workload actions run before the status write, routes right after it, announcements later.
import type { Action } from "../analysis/types.ts";
import type { KubeObject } from "../kube/api.ts";
import type { ObjectWriter } from "../kube/objects.ts";
import { isStub } from "../kube/reflector.ts";
import { covers } from "../util/covers.ts";
import {
  recordEvent,
  runHooksAfterStatus,
  notifyContextOf,
  sendNotification,
  type AnnounceContext,
} from "./announcements.ts";
import type { Caches } from "./caches.ts";
import {
  applyPrimary,
  coolPrevious,
  ensureServices,
  keepPreviousConfigs,
  revert,
  revertPrimary,
  scaleTarget,
  warmPrevious,
  type ExecuteContext,
} from "./workload-actions.ts";

export type ActionTiming = "beforeStatus" | "routesAfterStatus" | "afterStatus";

/** What carrying out any action may need. */
export type ActionContext = ExecuteContext & AnnounceContext;

/**
 * Workload changes come before the status that records them; announcements after it. Routes come right
 * after the status write, in the same reconcile: the status then never lags the traffic split, so an
 * operator killed between the two writes restarts with the status one step ahead of the RouteTable and
 * moves the traffic forward to it. In the other order it found the RouteTable a step ahead of the
 * status and moved the traffic back.
 */
export function timingOf(action: Action): ActionTiming {
  switch (action.type) {
    case "ensurePrimary":
    case "ensureServices":
    case "promote":
    case "revertPrimary":
    case "scaleTarget":
    case "revert":
    case "warmPrevious":
    case "coolPrevious":
    case "keepPreviousConfigs":
      return "beforeStatus";
    case "setRoutes":
      return "routesAfterStatus";
    case "event":
    case "notify":
    case "runHooks":
      return "afterStatus";
  }
}

export async function carryOut(
  action: Action,
  ctx: ActionContext,
): Promise<void> {
  switch (action.type) {
    case "ensurePrimary":
    case "promote":
      return applyPrimary(ctx);
    case "ensureServices":
      return ensureServices(ctx, action.servingPrevious);
    case "setRoutes":
      return ctx.router.setRoutes(
        { canary: ctx.canary, spec: ctx.spec, status: ctx.status },
        action,
      );
    case "scaleTarget":
      return scaleTarget(ctx, action.to);
    case "revert":
      return revert(ctx);
    case "revertPrimary":
      return revertPrimary(ctx, action);
    case "keepPreviousConfigs":
      return keepPreviousConfigs(ctx, action.configs);
    case "warmPrevious":
      return warmPrevious(ctx, action);
    case "coolPrevious":
      return coolPrevious(ctx);
    case "event":
      return recordEvent(ctx, action);
    case "notify":
      return sendNotification(notifyContextOf(ctx), action);
    case "runHooks":
      return runHooksAfterStatus(ctx, action);
  }
}

/**
 * Applies each object unless the cache already holds every field it sets (server defaults and other
 * managers' fields are ignored). Kinds the operator does not watch are always applied.
 */
export function ensureWith(
  caches: Caches,
  writer: ObjectWriter,
): (objects: KubeObject[]) => Promise<void> {
  return async (objects) => {
    for (const object of objects) {
      const held = caches
        .storeOf(object.kind ?? "")
        ?.get(object.metadata?.name ?? "", object.metadata?.namespace ?? "");
      if (held && !isStub(held) && covers(held, comparable(object))) continue;
      await writer.apply(object);
    }
  };
}

/** What to compare: everything but apiVersion and kind (lists of a kind leave them out). */
function comparable(object: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...object };
  delete rest.apiVersion;
  delete rest.kind;
  return rest;
}
