// The marks a run that could not go on by itself leaves in status (held, promotionFailed), and the one
// place that clears them: every end of a run and every new run starts without them.
import type { CanaryStatus } from "../api/canary.ts";

export function withoutFailureMarks(status: CanaryStatus): CanaryStatus {
  const rest = { ...status };
  delete rest.held;
  delete rest.promotionFailed;
  return rest;
}
