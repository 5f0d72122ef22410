// A login for the demo's dashboard: a ServiceAccount allowed to list and patch canaries in the demo
// namespace (so the buttons show), and a token for it, as `kubectl create token` would print.
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";

export async function dashboardToken(
  kc: KubeConfig,
  namespace: string,
): Promise<string> {
  const name = "siskin-dashboard-demo";
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name } },
  });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        {
          apiGroups: ["flagger.app"],
          resources: ["canaries"],
          verbs: ["get", "list", "watch", "patch"],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const answer = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = answer.status?.token;
  if (!token)
    throw new Error("the API server returned no token for the dashboard");
  return token;
}
