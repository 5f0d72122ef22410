// Splunk Observability Cloud (SignalFx) through SignalFlow. Flagger runs the program over SignalFlow's
// WebSocket; Siskin POSTs it to the same service's HTTP streaming endpoint
// (<stream host>/v2/signalflow/execute?start&stop&immediate=true, X-SF-Token, the program as the
// body), which answers the same messages as server-sent events and ends when the computation does.
// Same addresses, same Secret key (sf_token_key), same window (ten metric intervals back from now) and
// the same reading: the last non-null value of the one time series the program publishes; none is no
// data, several series is an error. Reachability: GET <api host>/v2/metric?limit=1, as Flagger.
import { SiskinError } from "../../util/errors.ts";
import { httpCall, shortBody } from "../http-call.ts";
import type { MetricProvider } from "../types.ts";

export interface SplunkOptions {
  /** Flagger's address: https://api.<realm>.signalfx.com (or wss://stream.<realm>.signalfx.com). */
  address: string;
  token: string;
  intervalMs: number;
  timeoutMs: number;
}

/** Flagger reads ten metric intervals back from now. */
const windowIntervals = 10;

/** The address on the host that serves `role` (stream: SignalFlow; api: the REST API), over HTTP(S). */
export function splunkHost(address: string, role: "stream" | "api"): string {
  const url = new URL(address.replace(/^ws(s?):/, "http$1:"));
  const other = role === "stream" ? "api." : "stream.";
  if (url.hostname.startsWith(other))
    url.hostname = `${role}.${url.hostname.slice(other.length)}`;
  return url.toString().replace(/\/+$/, "");
}

interface ServerEvent {
  event: string;
  data: string;
}

/** Server-sent events: blank-line separated, `event:` and `data:` lines (data lines joined by "\n"). */
export function serverEvents(text: string): ServerEvent[] {
  const events: ServerEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(":")) continue;
      const at = line.indexOf(":");
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return events;
}

interface DataMessage {
  data?: { tsId?: string; value?: number | null }[];
}
interface ControlMessage {
  event?: string;
  abortInfo?: { sf_job_abortReason?: string; sf_job_abortState?: string };
}
interface ErrorMessage {
  error?: number | string;
  errorType?: string;
  message?: string;
}

const parsed = <T>(event: ServerEvent): T => {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    throw new SiskinError(
      "PROVIDER_QUERY",
      `Splunk answered a ${event.event} event that is not JSON: ${shortBody(event.data)}`,
    );
  }
};

/** The computation's answer: the last value of its one series, undefined when it published none. */
export function lastSignalFlowValue(text: string): number | undefined {
  const points: { tsId: string; value: number }[] = [];
  for (const event of serverEvents(text)) {
    if (event.event === "error") {
      const error = parsed<ErrorMessage>(event);
      throw new SiskinError(
        "PROVIDER_QUERY",
        `Splunk rejected the SignalFlow program: ${error.message ?? error.errorType ?? shortBody(event.data)}`,
      );
    }
    if (event.event === "control-message") {
      const control = parsed<ControlMessage>(event);
      if (control.event === "CHANNEL_ABORT")
        throw new SiskinError(
          "PROVIDER_QUERY",
          `Splunk aborted the SignalFlow computation: ${control.abortInfo?.sf_job_abortReason ?? control.abortInfo?.sf_job_abortState ?? "no reason given"}`,
        );
    }
    if (event.event !== "data") continue;
    for (const point of parsed<DataMessage>(event).data ?? [])
      if (
        typeof point.value === "number" &&
        Number.isFinite(point.value) &&
        point.tsId
      )
        points.push({ tsId: point.tsId, value: point.value });
  }
  const series = new Set(points.map((p) => p.tsId));
  if (series.size > 1)
    throw new SiskinError(
      "PROVIDER_QUERY",
      `the SignalFlow program published ${series.size} time series; it must publish one (aggregate it, for example .sum() or .mean(), before publish())`,
    );
  return points.at(-1)?.value;
}

export function splunkProvider(options: SplunkOptions): MetricProvider {
  const stream = splunkHost(options.address, "stream");
  const api = splunkHost(options.address, "api");
  const headers = { "X-SF-Token": options.token };
  return {
    async query(program, signal) {
      const stop = Date.now();
      const text = await httpCall({
        provider: "Splunk",
        address: options.address,
        url: `${stream}/v2/signalflow/execute`,
        method: "POST",
        params: {
          start: String(stop - windowIntervals * options.intervalMs),
          stop: String(stop),
          immediate: "true",
        },
        headers: {
          ...headers,
          "Content-Type": "text/plain",
          Accept: "text/event-stream",
        },
        body: program,
        timeoutMs: options.timeoutMs,
        signal,
      });
      return lastSignalFlowValue(text);
    },
    async isOnline(signal) {
      try {
        await httpCall({
          provider: "Splunk",
          address: options.address,
          url: `${api}/v2/metric`,
          params: { limit: "1" },
          headers,
          timeoutMs: options.timeoutMs,
          signal,
        });
        return true;
      } catch {
        return false;
      }
    },
  };
}
