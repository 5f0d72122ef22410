// axios is loaded on first use: with what it pulls in it costs ~10 MiB of resident memory, and an idle
// operator (no analysis, webhook or alert in flight) never needs it. See docs/fleet.md.
import type { AxiosInstance, AxiosStatic, CreateAxiosDefaults } from "axios";

let loading: Promise<AxiosStatic> | undefined;

export function loadAxios(): Promise<AxiosStatic> {
  loading ??= import("axios").then((m) => m.default);
  return loading;
}

/** An axios instance created with `defaults` the first time it is asked for. */
export function lazyAxiosInstance(
  defaults: CreateAxiosDefaults,
): () => Promise<AxiosInstance> {
  let instance: Promise<AxiosInstance> | undefined;
  return () => (instance ??= loadAxios().then((a) => a.create(defaults)));
}

/**
 * Every call to a provider outside the cluster (metrics, chat): answers over 1 MiB are refused instead
 * of buffered, and redirects are not followed, so a key sent in a header (Datadog's) never goes to a
 * host the address did not name.
 */
export const boundedCalls = {
  maxContentLength: 1 << 20,
  maxBodyLength: 1 << 20,
  maxRedirects: 0,
} as const;
