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
