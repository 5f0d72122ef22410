// The Canary's status (flagger.app/v1beta1): Flagger's fields, kept so a Canary can move between the
// operators, and Siskin's additions (requests, checks, history). Split from canary.ts, which re-exports it.
import { s, type Infer } from "./schema.ts";
import { shownQueryLength } from "./bounds.ts";

const stringMap = () => s.map(s.string());

export const phases = [
  "Initializing",
  "Initialized",
  "Waiting",
  "Progressing",
  "WaitingPromotion",
  "Promoting",
  "Finalising",
  "Succeeded",
  "Failed",
  "Terminating",
  "Terminated",
] as const;
export type Phase = (typeof phases)[number];

export const checkResultSchema = s.object({
  metric: s.string().required(),
  verdict: s
    .string({ enum: ["pass", "fail", "nodata", "inconclusive", "error"] })
    .required(),
  dryRun: s.boolean(),
  value: s.number(),
  primaryValue: s
    .number()
    .describe("compareTo: primary: the primary's value over the same window."),
  threshold: s.string(),
  query: s
    .string()
    .describe(`The query, cut at ${shownQueryLength} characters.`),
  message: s.string(),
});

const metricHistorySchema = s.object({
  name: s.string().required(),
  threshold: s.string(),
  v: s
    .array(s.number().nullable(), { maxItems: 100 })
    .required()
    .describe("The value at each step (null: no value)."),
  pv: s
    .array(s.number().nullable(), { maxItems: 100 })
    .describe(
      "compareTo: primary: the primary's value at each step (null: no value).",
    ),
  r: s
    .string()
    .required()
    .describe(
      "The verdict at each step, one letter each: p pass, f fail, n no data, i inconclusive, e error, - not checked.",
    ),
});

const runHistorySchema = s.object({
  revision: s.string().required(),
  startedAt: s.string({ format: "date-time" }).required(),
  t: s
    .array(s.integer(), { maxItems: 100 })
    .required()
    .describe("Seconds from startedAt to each step."),
  w: s
    .array(s.integer(), { maxItems: 100 })
    .required()
    .describe("The canary weight each step judged."),
  f: s
    .string()
    .describe("Each step's outcome, one letter each: p passed, f failed."),
  metrics: s.array(metricHistorySchema).required(),
  bakeFrom: s
    .integer({ minimum: 0 })
    .describe(
      "analysis.bake: the index of the first step after the promotion; steps from here judged the primary.",
    ),
  outcome: s
    .string({ enum: ["promoted", "failed", "reverted"] })
    .describe(
      "How the run ended (absent while it runs); reverted: promoted, then put back by a bake or an undo.",
    ),
});

export const canaryStatusSchema = s.object({
  phase: s.string({ enum: phases }),
  canaryWeight: s.integer(),
  failedChecks: s.integer(),
  iterations: s.integer(),
  lastAppliedSpec: s.string(),
  lastPromotedSpec: s.string(),
  trackedConfigs: stringMap(),
  lastTransitionTime: s.string({ format: "date-time" }),
  // Written by Flagger's session-affinity feature; kept so a Canary can move between the operators.
  previousSessionAffinityCookie: s.string(),
  sessionAffinityCookie: s.string(),
  primarySessionAffinityCookie: s.string(),
  observedGeneration: s.integer(),
  conditions: s.array(
    s.object({
      type: s.string().required(),
      status: s.string({ enum: ["True", "False", "Unknown"] }).required(),
      lastUpdateTime: s.string({ format: "date-time" }),
      lastTransitionTime: s.string({ format: "date-time" }),
      reason: s.string(),
      message: s.string(),
      observedGeneration: s.integer(),
    }),
  ),
  // Siskin additions (Flagger clients ignore them):
  pausedBy: s
    .string()
    .describe("Who paused the run (kubectl siskin pause); cleared by resume."),
  held: s
    .object({
      at: s.string({ format: "date-time" }).required(),
      reason: s.string().required(),
    })
    .describe(
      "analysis.onFailure: hold: the analysis failed and the run waits at its weight for promote, abort or retry; rolled back at the progress deadline.",
    ),
  promotionFailed: s
    .object({
      at: s.string({ format: "date-time" }).required(),
      reason: s.string().required(),
    })
    .describe(
      "The primary did not become ready after the promotion copy: the canary keeps serving at its weight until the primary is ready, a retry, or a new revision.",
    ),
  previous: s
    .object({
      revision: s.string().required(),
      template: s.unknownObject().required(),
      at: s.string({ format: "date-time" }),
      warmUntil: s.string({ format: "date-time" }),
      configs: s.array(s.string(), { maxItems: 256 }),
    })
    .describe(
      "The release the last promotion replaced: its revision and the primary's pod template, what a bake revert or kubectl siskin undo goes back to; with analysis.rollbackWindow, until when its pods are kept warm (<target>-previous); configs: the -primary ConfigMap and Secret copies it used, kept as <name>-previous and put back by a revert.",
    ),
  bake: s
    .object({
      until: s.string({ format: "date-time" }).required(),
      failedChecks: s.integer(),
      passed: s.boolean(),
    })
    .describe(
      "analysis.bake after the last promotion: the window's end, failed checks of the primary so far, and whether it passed.",
    ),
  reverted: s
    .object({
      at: s.string({ format: "date-time" }).required(),
      reason: s.string().required(),
      from: s.string().required(),
      to: s.string().required(),
      by: s.string(),
      restoring: s.boolean(),
    })
    .describe(
      "The primary was reverted to the previous release (bake or undo): the target still holds the reverted revision until it changes. restoring: traffic is on the warm previous pods until the primary's rollout is ready.",
    ),
  lastRequest: s
    .object({
      id: s.string().required(),
      action: s.string().required(),
      by: s.string(),
      at: s.string({ format: "date-time" }),
      result: s.string({ enum: ["done", "refused"] }).required(),
      message: s.string(),
    })
    .describe(
      "The last siskin.dev/request handled: carried out once, or refused with the reason.",
    ),
  lastStepTime: s
    .string({ format: "date-time" })
    .describe("When the last analysis step was taken."),
  canaryRevisionStart: s
    .string({ format: "date-time" })
    .describe("When the current revision started."),
  inconclusiveChecks: s
    .integer()
    .describe(
      "Analysis intervals in a row whose checks had too little to judge (no data, too few requests).",
    ),
  lastChecks: s
    .array(checkResultSchema)
    .describe("Verdicts of the last analysis step."),
  message: s
    .string()
    .describe(
      "Why the canary is in its phase (for example the rollback reason).",
    ),
  gateways: s
    .array(
      s.object({
        router: s.string().required(),
        canaryWeight: s.integer(),
      }),
      { maxItems: 8 },
    )
    .describe(
      "With several routers (spec.routers): the canary weight each gateway's routes carry, as last read; a router removed from spec.routers stays listed until it sends the canary nothing.",
    ),
  history: s
    .object({ runs: s.array(runHistorySchema, { maxItems: 2 }).required() })
    .describe(
      "The analysis steps of the current run and the one before (at most 100 each), for the dashboard and replay.",
    ),
});

export type CanaryStatus = Infer<typeof canaryStatusSchema>;
export type CheckResult = Infer<typeof checkResultSchema>;
export type RunHistory = Infer<typeof runHistorySchema>;
export type MetricHistory = Infer<typeof metricHistorySchema>;
