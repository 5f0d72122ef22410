// The kubernetes provider: no traffic split. The apex Service selects the primary; the canary is
// reachable through <apex>-canary (blue/green). Weights are recorded in status only.
import type { Router } from "./types.ts";

export function kubernetesRouter(): Router {
  return {
    setRoutes: async () => {},
    finalize: async () => {},
    routedCanaryWeight: () => undefined,
  };
}
