// Checks a value against one of our OpenAPI schemas (src/api/schema.ts) offline, as the API server's
// structural validation would: types, required fields, enums, patterns, ranges, lengths, list sizes and
// unknown fields (which the API server would prune). For `kubectl siskin lint`; the operator itself
// relies on the API server.
import type { OpenApiSchema } from "./schema.ts";
import type { Issue } from "./resolve.ts";

const typeOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : Number.isInteger(value)
        ? "integer"
        : typeof value;

export function validateAgainst(
  schema: OpenApiSchema,
  value: unknown,
  path: string,
): Issue[] {
  const issues: Issue[] = [];
  const issue = (message: string) => issues.push({ path, message });
  if (value === null) {
    if (!schema.nullable) issue("must not be null");
    return issues;
  }
  if (schema["x-kubernetes-int-or-string"]) {
    if (!["integer", "string"].includes(typeOf(value)))
      issue(`must be an integer or a string, not ${typeOf(value)}`);
    return issues;
  }
  const type = typeOf(value);
  if (schema.type) {
    const ok =
      schema.type === type || (schema.type === "number" && type === "integer");
    if (!ok) {
      issue(
        `must be ${schema.type === "integer" ? "an" : "a"} ${schema.type}, not ${type}`,
      );
      return issues;
    }
  }
  if (schema.enum && !schema.enum.includes(value as string))
    issue(
      `"${String(value)}" is not one of ${schema.enum.map((e) => `"${e}"`).join(", ")}`,
    );
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      issue(`"${value}" does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      issue(`must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      issue(`must have at most ${schema.maxLength} characters`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum)
      issue(`${value} is below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      issue(`${value} is above the maximum ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      issue(`has ${value.length} items, more than ${schema.maxItems}`);
    if (schema.minItems !== undefined && value.length < schema.minItems)
      issue(`has ${value.length} items, fewer than ${schema.minItems}`);
    if (schema.items)
      value.forEach((item, i) =>
        issues.push(...validateAgainst(schema.items!, item, `${path}[${i}]`)),
      );
  }
  if (type === "object" && !schema["x-kubernetes-preserve-unknown-fields"]) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (object[key] === undefined)
        issues.push({ path: `${path}.${key}`, message: "is required" });
    for (const [key, child] of Object.entries(object)) {
      const childSchema =
        schema.properties?.[key] ?? schema.additionalProperties;
      if (!childSchema) {
        if (schema.properties)
          issues.push({
            path: `${path}.${key}`,
            message:
              "is not a field of this object (the API server would drop it); check the spelling",
          });
        continue;
      }
      issues.push(...validateAgainst(childSchema, child, `${path}.${key}`));
    }
  }
  return issues;
}
