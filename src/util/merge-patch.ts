// A JSON merge patch (RFC 7386) that turns `current` into `next`. A merge patch keeps every key it does
// not mention, at every depth, so each key `next` dropped is sent as null, in nested objects too: sending
// `next` as it is would keep a cleared nested field, or mix an older pod template recorded in status
// with a newer one.
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function mergePatchFor(current: Json, next: Json): Json {
  const patch: Json = { ...next };
  for (const [key, was] of Object.entries(current)) {
    const now = next[key];
    if (now === undefined) patch[key] = null;
    else if (isObject(was) && isObject(now))
      patch[key] = mergePatchFor(was, now);
  }
  return patch;
}
