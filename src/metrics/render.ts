// Query templates: `{{ name }}` placeholders, filled from a fixed set of variables. An unknown
// placeholder is an error naming it, never left in the query or replaced by an empty string.
import { SiskinError } from "../util/errors.ts";

const placeholder = /\{\{\s*([\w.-]+)\s*\}\}/g;

export function render(
  template: string,
  variables: Record<string, string>,
): string {
  const unknown = new Set<string>();
  const text = template.replace(placeholder, (_all, key: string) => {
    const value = variables[key];
    if (value === undefined) unknown.add(key);
    return value ?? "";
  });
  if (unknown.size > 0) {
    throw new SiskinError(
      "INVALID_SPEC",
      `unknown placeholder ${[...unknown].map((k) => `{{ ${k} }}`).join(", ")}; known: ${Object.keys(
        variables,
      )
        .map((k) => `{{ ${k} }}`)
        .join(", ")}`,
    );
  }
  return text;
}
