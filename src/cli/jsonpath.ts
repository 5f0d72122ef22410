// `-o jsonpath=TEMPLATE`, as kubectl reads it: plain text with `{...}` actions. An action is a path
// from the root (`.a.b`, `['a.b']`, `[0]`, `[-1]`, `[1:3]`, `[*]`, `..name` recursive, `[?(@.k=="v")]`
// filters with == != < > <= >=), a quoted literal (`{"\n"}`), or `range PATH` ... `end`. Several results
// of one action are joined by a space; strings print raw, other values as JSON. What kubectl's
// templates do beyond this (unions `[a,b]`) is refused with the reason rather than printed wrongly.

type Node =
  | { kind: "text"; text: string }
  | { kind: "path"; steps: Step[] }
  | { kind: "range"; steps: Step[]; body: Node[] };

type Step =
  | { kind: "field"; name: string }
  | { kind: "recursive"; name: string }
  | { kind: "wildcard" }
  | { kind: "index"; start?: number; end?: number; single: boolean }
  | { kind: "filter"; path: Step[]; op: string; value: unknown };

export class JsonPathError extends Error {}

/** Renders `template` against `root`. */
export function renderJsonPath(template: string, root: unknown): string {
  return render(parse(template), root);
}

function parse(template: string): Node[] {
  const stack: { nodes: Node[]; steps?: Step[] }[] = [{ nodes: [] }];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    const top = stack.at(-1)!;
    if (open < 0) {
      top.nodes.push({ kind: "text", text: template.slice(i) });
      break;
    }
    if (open > i)
      top.nodes.push({ kind: "text", text: template.slice(i, open) });
    const close = closingBrace(template, open);
    const action = template.slice(open + 1, close).trim();
    i = close + 1;
    if (action === "end") {
      const done = stack.pop();
      if (!done?.steps || stack.length === 0)
        throw new JsonPathError(`{end} at ${open} closes no {range}`);
      stack.at(-1)!.nodes.push({
        kind: "range",
        steps: done.steps,
        body: done.nodes,
      });
    } else if (action.startsWith("range ")) {
      stack.push({ nodes: [], steps: parsePath(action.slice(6).trim()) });
    } else if (action.startsWith('"')) {
      top.nodes.push({ kind: "text", text: literal(action) });
    } else {
      top.nodes.push({ kind: "path", steps: parsePath(action) });
    }
  }
  if (stack.length !== 1) throw new JsonPathError("a {range} has no {end}");
  return stack[0]!.nodes;
}

/** The `}` that closes the action opened at `open`, skipping quoted text. */
function closingBrace(template: string, open: number): number {
  let quote: string | undefined;
  for (let j = open + 1; j < template.length; j++) {
    const c = template[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "}") return j;
  }
  throw new JsonPathError(`the { at ${open} is not closed`);
}

function literal(text: string): string {
  try {
    // A newline or tab typed into the template itself is taken as it is.
    return JSON.parse(
      text.replace(/\n/g, "\\n").replace(/\t/g, "\\t"),
    ) as string;
  } catch {
    throw new JsonPathError(`${text} is not a quoted string`);
  }
}

function parsePath(path: string): Step[] {
  let rest = path.replace(/^\$/, "").replace(/^@/, "");
  const steps: Step[] = [];
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.\.([A-Za-z0-9_-]+)/.exec(rest))) {
      steps.push({ kind: "recursive", name: m[1]! });
    } else if ((m = /^\.\*/.exec(rest)) || (m = /^\[\*\]/.exec(rest))) {
      steps.push({ kind: "wildcard" });
    } else if ((m = /^\.([A-Za-z0-9_-]+)/.exec(rest))) {
      steps.push({ kind: "field", name: m[1]! });
    } else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest))) {
      steps.push({ kind: "field", name: m[1]!.replace(/\\(.)/g, "$1") });
    } else if ((m = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
      steps.push({ kind: "index", start: Number(m[1]), single: true });
    } else if ((m = /^\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]/.exec(rest))) {
      steps.push({
        kind: "index",
        single: false,
        ...(m[1] ? { start: Number(m[1]) } : {}),
        ...(m[2] ? { end: Number(m[2]) } : {}),
      });
    } else if (
      (m =
        /^\[\?\(\s*@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?[\d.]+|true|false)\s*\)\]/.exec(
          rest,
        ))
    ) {
      const raw = m[3]!;
      steps.push({
        kind: "filter",
        path: parsePath(m[1]!),
        op: m[2]!,
        value: raw.startsWith("'")
          ? raw.slice(1, -1)
          : (JSON.parse(raw) as unknown),
      });
    } else if (rest === ".") {
      break;
    } else {
      throw new JsonPathError(
        `cannot read "${rest}" in {${path}}: kubectl siskin supports .field, ['field'], [n], [a:b], [*], ..field, [?(@.f=="v")] and range/end; pipe -o json to jq for more`,
      );
    }
    rest = rest.slice(m![0].length);
  }
  return steps;
}

function walk(values: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  for (const value of values) {
    switch (step.kind) {
      case "field":
        if (value && typeof value === "object" && step.name in value)
          out.push((value as Record<string, unknown>)[step.name]);
        break;
      case "wildcard":
        if (Array.isArray(value)) out.push(...value);
        else if (value && typeof value === "object")
          out.push(...Object.values(value));
        break;
      case "recursive":
        collect(value, step.name, out);
        break;
      case "index": {
        if (!Array.isArray(value)) break;
        if (step.single) {
          const at = step.start! < 0 ? value.length + step.start! : step.start!;
          if (at < 0 || at >= value.length)
            throw new JsonPathError(
              `index ${step.start} is out of range (${value.length} items)`,
            );
          out.push(value[at]);
        } else out.push(...value.slice(step.start, step.end));
        break;
      }
      case "filter":
        if (Array.isArray(value))
          out.push(...value.filter((item) => matches(item, step)));
        break;
    }
  }
  return out;
}

function collect(value: unknown, name: string, out: unknown[]): void {
  if (!value || typeof value !== "object") return;
  if (!Array.isArray(value) && name in value)
    out.push((value as Record<string, unknown>)[name]);
  for (const child of Object.values(value)) collect(child, name, out);
}

function matches(
  item: unknown,
  filter: Extract<Step, { kind: "filter" }>,
): boolean {
  const [found] = filter.path.reduce<unknown[]>(walk, [item]);
  if (found === undefined) return false;
  const a = found as number | string;
  const b = filter.value as number | string;
  switch (filter.op) {
    case "==":
      return found === filter.value;
    case "!=":
      return found !== filter.value;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    default:
      return a >= b;
  }
}

const show = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value);

function render(nodes: Node[], current: unknown): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "path")
      out += node.steps.reduce<unknown[]>(walk, [current]).map(show).join(" ");
    else
      for (const item of node.steps.reduce<unknown[]>(walk, [current]))
        out += render(node.body, item);
  }
  return out;
}
