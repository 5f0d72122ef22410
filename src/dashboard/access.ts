// Who a dashboard visitor is and what they may do, asked of the API server as kubectl would be:
// a TokenReview for the bearer token given at login, SubjectAccessReviews for "list canaries" in a
// namespace (what they see) and "patch canaries" (whether the buttons show and work).
import type { KubeClient } from "../kube/client/http.ts";
import type { Clock } from "../util/clock.ts";
import { LruMap } from "../util/lru.ts";
import type { DashboardUser, Session } from "./sessions.ts";

export type CanaryVerb = "list" | "patch";

export interface AccessReviewer {
  /** The user the token belongs to, or undefined when the API server does not accept it. */
  authenticate(token: string): Promise<DashboardUser | undefined>;
  allowed(
    user: DashboardUser,
    verb: CanaryVerb,
    namespace: string,
  ): Promise<boolean>;
}

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: DashboardUser;
    error?: string;
  };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean };
}

export function kubeAccessReviewer(client: KubeClient): AccessReviewer {
  return {
    async authenticate(token) {
      const review = await client.request<TokenReview>({
        method: "POST",
        path: "/apis/authentication.k8s.io/v1/tokenreviews",
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          spec: { token },
        },
      });
      const user = review.status?.user;
      return review.status?.authenticated && user?.username ? user : undefined;
    },
    async allowed(user, verb, namespace) {
      const review = await client.request<SubjectAccessReview>({
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            resourceAttributes: {
              group: "flagger.app",
              resource: "canaries",
              verb,
              namespace,
            },
          },
        },
      });
      return review.status?.allowed === true;
    },
  };
}

/** How long an access answer is reused within a session: a revoked RoleBinding bites within this. */
export const accessCacheMs = 30_000;

/**
 * Access answers by session, verb and namespace, all sessions together in one bounded LRU: a visitor
 * asking about ever new namespaces pushes out old answers (they are asked again), never grows memory.
 */
export class AccessCache {
  private readonly answers: LruMap<string, { allowed: boolean; until: number }>;
  private readonly reviewer: AccessReviewer;
  private readonly clock: Clock;

  constructor(reviewer: AccessReviewer, clock: Clock, max: number) {
    this.reviewer = reviewer;
    this.clock = clock;
    this.answers = new LruMap(max);
  }

  /** The reviewer's answer for this session, reused for accessCacheMs. */
  async allows(
    session: Session,
    verb: CanaryVerb,
    namespace: string,
  ): Promise<boolean> {
    const key = `${session.id} ${verb} ${namespace}`;
    const now = this.clock.monotonicMs();
    const cached = this.answers.get(key);
    if (cached && cached.until > now) return cached.allowed;
    const allowed = await this.reviewer.allowed(session.user, verb, namespace);
    this.answers.set(key, { allowed, until: now + accessCacheMs });
    return allowed;
  }

  get size(): number {
    return this.answers.size;
  }
}
