// The Secret the dashboard's replicas share: the key that signs session cookies (created with a random
// value by the first replica that finds none) and the sessions logged out before their expiry, one data
// key per session ("r.<id>": expiry in ms), written with a merge patch so two logouts never conflict.
// Every replica watches it, so a logout on one pod ends the session on all of them within a watch
// event. Deleting the Secret logs everyone out (a new key is made at the next start).
import { randomBytes } from "node:crypto";
import type { KubeClient } from "../kube/client/http.ts";
import { statusCodeOf } from "../kube/client/errors.ts";
import { Reflector, type StoredObject } from "../kube/reflector.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage, SiskinError } from "../util/errors.ts";
import type { RevocationList } from "./sessions.ts";

interface SecretObject extends StoredObject {
  data?: Record<string, string>;
}

export interface SessionSecret {
  key: Buffer;
  revocations: RevocationList;
  stop(): Promise<void>;
}

const keyField = "key";
const revokedPrefix = "r.";

export async function openSessionSecret(options: {
  client: KubeClient;
  namespace: string;
  name: string;
  clock: Clock;
  logger: Logger;
}): Promise<SessionSecret> {
  const { client, namespace, name, clock, logger } = options;
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const path = `${base}/${encodeURIComponent(name)}`;
  const read = () =>
    client.request<SecretObject>({ method: "GET", path }).catch((error) => {
      if (statusCodeOf(error) === 404) return undefined;
      throw error;
    });
  let secret = await read();
  if (!secret) {
    try {
      secret = await client.request<SecretObject>({
        method: "POST",
        path: base,
        body: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name,
            namespace,
            labels: { "app.kubernetes.io/managed-by": "siskin" },
          },
          type: "Opaque",
          data: { [keyField]: randomBytes(32).toString("base64") },
        },
      });
      logger.info({ secret: `${namespace}/${name}` }, "session key created");
    } catch (error) {
      // Another replica created it first: use theirs.
      if (statusCodeOf(error) !== 409) throw error;
      secret = await read();
    }
  }
  const key = Buffer.from(secret?.data?.[keyField] ?? "", "base64");
  if (key.length < 32)
    throw new SiskinError(
      "CONFIG",
      `Secret ${namespace}/${name} has no ${keyField} of 32 bytes or more; delete it and the dashboard creates a new one`,
    );

  const revoked = new Map<string, number>();
  const load = (object: SecretObject | undefined) => {
    revoked.clear();
    for (const [field, value] of Object.entries(object?.data ?? {}))
      if (field.startsWith(revokedPrefix))
        revoked.set(
          field.slice(revokedPrefix.length),
          Number(Buffer.from(value, "base64").toString()),
        );
  };
  load(secret);
  const watch = new Reflector<SecretObject>({
    client,
    clock,
    logger: logger.child({ resource: "session-secret" }),
    path: base,
    fieldSelector: `metadata.name=${name}`,
  });
  watch.on(({ object, verb }) => load(verb === "delete" ? undefined : object));
  void watch.start();

  const revocations: RevocationList = {
    has(id) {
      const until = revoked.get(id);
      return until !== undefined && until > clock.now().getTime();
    },
    async add(id, expiresAt) {
      revoked.set(id, expiresAt);
      const now = clock.now().getTime();
      const data: Record<string, string | null> = {
        [`${revokedPrefix}${id}`]: Buffer.from(String(expiresAt)).toString(
          "base64",
        ),
      };
      // Entries of sessions that have expired anyway go in the same write.
      for (const [other, until] of revoked)
        if (until <= now) {
          data[`${revokedPrefix}${other}`] = null;
          revoked.delete(other);
        }
      try {
        await client.request({
          method: "PATCH",
          path,
          body: { data },
          contentType: "application/merge-patch+json",
        });
      } catch (error) {
        // This replica has it; the others keep the session until it expires.
        logger.warn(
          { err: errorMessage(error) },
          "could not share a logout with the other replicas",
        );
      }
    },
    get size() {
      return revoked.size;
    },
  };
  return { key, revocations, stop: () => watch.stop() };
}
