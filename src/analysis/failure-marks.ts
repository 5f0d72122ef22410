// The marks a run that could not go on by itself leaves in status (held, promotionFailed, reverted)
// and the bake of the last promotion, and the one place that clears them: every end of a run and every
// new run starts without them.
import type { CanaryStatus } from "../api/canary.ts";

export function withoutFailureMarks(status: CanaryStatus): CanaryStatus {
  const rest = { ...status };
  delete rest.held;
  delete rest.promotionFailed;
  delete rest.reverted;
  delete rest.bake;
  return rest;
}
