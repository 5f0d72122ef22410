// `kubectl siskin notify-test PROVIDER`: posts a test message through an AlertProvider, as the operator
// would (the same destination rule and notifier), with the caller's own credentials to read it and its
// Secret, and prints what the destination answered. The address and token are never printed.
import type { V1Secret } from "@kubernetes/client-node";
import type { AlertProviderSpec } from "../api/templates.ts";
import { alertDestination } from "../notify/destination.ts";
import { NotifierRejected, notifierFor } from "../notify/providers.ts";
import type { Session } from "./commands.ts";

const forbiddenSecretType = "kubernetes.io/service-account-token";

export async function notifyTest(
  session: Session,
  name: string,
  cluster: string,
): Promise<number> {
  const ref = { namespace: session.namespace, name };
  const provider = await session.api.get<{ spec: AlertProviderSpec }>({
    apiVersion: "flagger.app/v1beta1",
    kind: "AlertProvider",
    ...ref,
  });
  let data: Record<string, string> = {};
  const secretName = provider.spec.secretRef?.name;
  if (secretName) {
    const secret = await session.api.get<V1Secret>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: session.namespace,
      name: secretName,
    });
    if (secret.type === forbiddenSecretType) {
      session.print(
        `AlertProvider ${ref.namespace}/${name}: Secret ${secretName} is a ServiceAccount token; the operator never sends it anywhere, and neither does this`,
      );
      return 1;
    }
    data = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    );
  }
  const found = alertDestination(ref, provider.spec, data);
  if (!found.ok) {
    session.print(found.problem);
    return 1;
  }
  const via =
    provider.spec.type === "slack" && found.destination.token
      ? "slack (bot token, chat.postMessage)"
      : provider.spec.type;
  try {
    await notifierFor(found.destination).post({
      canary: { name: "notify-test", namespace: ref.namespace },
      target: "notify-test",
      cluster,
      kind: "initialized",
      severity: "info",
      message: `Test message from kubectl siskin notify-test by ${session.user}: AlertProvider ${ref.namespace}/${name} reaches this channel`,
      phase: "Initialized",
      weight: 0,
    });
  } catch (error) {
    session.print(
      `AlertProvider ${ref.namespace}/${name} (${via}): ${error instanceof Error ? error.message : String(error)}${error instanceof NotifierRejected ? ` [${error.answer}]` : ""}`,
    );
    return 1;
  }
  session.print(
    `AlertProvider ${ref.namespace}/${name} (${via}): the message was accepted`,
  );
  return 0;
}
