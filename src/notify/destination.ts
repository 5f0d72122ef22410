// Where an AlertProvider's messages go: its type, channel and user, the address and proxy from its Secret
// (keys address, proxy, token, as Flagger reads them) or its spec. One rule for the operator's alerts and
// `kubectl siskin notify-test`.
import type { AlertProviderSpec } from "../api/templates.ts";
import type { Destination } from "./providers.ts";

export type DestinationResult =
  { ok: true; destination: Destination } | { ok: false; problem: string };

export function alertDestination(
  ref: { namespace: string; name: string },
  provider: AlertProviderSpec,
  secret: Record<string, string>,
): DestinationResult {
  const address = secret.address ?? provider.address;
  if (!address)
    return {
      ok: false,
      problem: `AlertProvider ${ref.namespace}/${ref.name} has no address (spec.address or the Secret's address key)`,
    };
  const proxy = secret.proxy ?? provider.proxy;
  return {
    ok: true,
    destination: {
      type: provider.type,
      address,
      ...(provider.channel ? { channel: provider.channel } : {}),
      ...(provider.username ? { username: provider.username } : {}),
      ...(proxy ? { proxy } : {}),
      ...(secret.token ? { token: secret.token } : {}),
    },
  };
}
