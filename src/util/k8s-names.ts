// Kubernetes object names, checked the way the API server checks them, before a name from outside (a
// webhook payload, a URL path) is used as a key, a label or in an access review.

const labelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const subdomainPattern =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label: namespaces (and Service names), at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && labelPattern.test(value);
}

/** A DNS-1123 subdomain: most object names (Canary, Deployment, ConfigMap), at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && subdomainPattern.test(value);
}

/** Why a name is refused, naming the field, or undefined when it is a valid name of its kind. */
export function nameProblem(
  field: string,
  value: string,
  kind: "namespace" | "name",
): string | undefined {
  const ok = kind === "namespace" ? isDnsLabel(value) : isDnsSubdomain(value);
  if (ok) return undefined;
  const shown = value.length > 80 ? `${value.slice(0, 80)}...` : value;
  return kind === "namespace"
    ? `${field} "${shown}" is not a namespace name (lowercase letters, digits and '-', at most 63 characters)`
    : `${field} "${shown}" is not an object name (lowercase letters, digits, '-' and '.', at most 253 characters)`;
}
