// Whether an object on the API server already has every field Siskin would write, so the write can be
// skipped. Objects compare by the keys Siskin sets (the server may add defaults and other managers'
// fields); lists compare element by element and must have the same length (a list Siskin writes is
// replaced whole by server-side apply, so an extra element is drift).
export function covers(actual: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((d, i) => covers(actual[i], d))
    );
  }
  if (desired !== null && typeof desired === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual))
      return false;
    return Object.entries(desired).every(([k, v]) =>
      covers((actual as Record<string, unknown>)[k], v),
    );
  }
  return actual === desired;
}
