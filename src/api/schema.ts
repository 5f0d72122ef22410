// A small typed schema builder: each value emits the OpenAPI v3 (structural) schema the CRDs need
// and carries the TypeScript type of the data it describes, so the CRD YAML and the types used by the
// operator come from one source and cannot drift apart.

/** The subset of OpenAPI v3 a structural CRD schema uses. */
export interface OpenApiSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema;
  enum?: string[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  "x-kubernetes-int-or-string"?: true;
  anyOf?: OpenApiSchema[];
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-validations"?: { rule: string; message: string }[];
}

/** A schema for values of type T; R tells whether the field is required in its parent object. */
export class Schema<T, R extends boolean = false> {
  declare readonly _type: T; // type-only marker for Infer<>
  readonly openapi: OpenApiSchema;
  readonly isRequired: R;

  constructor(openapi: OpenApiSchema, isRequired: R) {
    this.openapi = openapi;
    this.isRequired = isRequired;
  }

  required(): Schema<T, true> {
    return new Schema<T, true>(this.openapi, true);
  }

  describe(description: string): Schema<T, R> {
    return new Schema<T, R>({ ...this.openapi, description }, this.isRequired);
  }

  /** Also accepts null (a gap in a series, for example). */
  nullable(): Schema<T | null, R> {
    return new Schema<T | null, R>(
      { ...this.openapi, nullable: true },
      this.isRequired,
    );
  }

  /** A CEL rule the API server checks at admission, with the message it returns when it fails. */
  rule(rule: string, message: string): Schema<T, R> {
    const rules = [
      ...(this.openapi["x-kubernetes-validations"] ?? []),
      { rule, message },
    ];
    return new Schema<T, R>(
      { ...this.openapi, "x-kubernetes-validations": rules },
      this.isRequired,
    );
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySchema = Schema<any, boolean>;
export type Infer<S> = S extends Schema<infer T, boolean> ? T : never;
type Props = Record<string, AnySchema>;
type RequiredKeys<P extends Props> = {
  [K in keyof P]: P[K] extends Schema<unknown, true> ? K : never;
}[keyof P];
type OptionalKeys<P extends Props> = Exclude<keyof P, RequiredKeys<P>>;
type Flatten<T> = { [K in keyof T]: T[K] };
export type ObjectOf<P extends Props> = Flatten<
  { [K in RequiredKeys<P>]: Infer<P[K]> } & {
    [K in OptionalKeys<P>]?: Infer<P[K]>;
  }
>;

interface StringOptions {
  enum?: readonly string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
}

export const s = {
  string<const E extends string = string>(
    options: StringOptions & { enum?: readonly E[] } = {},
  ): Schema<string extends E ? string : E> {
    const { enum: values, ...rest } = options;
    return new Schema(
      { type: "string", ...rest, ...(values ? { enum: [...values] } : {}) },
      false,
    );
  },
  integer(
    options: { minimum?: number; maximum?: number } = {},
  ): Schema<number> {
    return new Schema({ type: "integer", ...options }, false);
  },
  number(options: { minimum?: number; maximum?: number } = {}): Schema<number> {
    return new Schema({ type: "number", ...options }, false);
  },
  boolean(): Schema<boolean> {
    return new Schema({ type: "boolean" }, false);
  },
  intOrString(): Schema<number | string> {
    return new Schema(
      {
        "x-kubernetes-int-or-string": true,
        anyOf: [{ type: "integer" }, { type: "string" }],
      },
      false,
    );
  },
  array<I extends AnySchema>(
    item: I,
    options: { minItems?: number; maxItems?: number } = {},
  ): Schema<Infer<I>[]> {
    return new Schema(
      { type: "array", items: item.openapi, ...options },
      false,
    );
  },
  map<V extends AnySchema>(value: V): Schema<Record<string, Infer<V>>> {
    return new Schema(
      { type: "object", additionalProperties: value.openapi },
      false,
    );
  },
  object<P extends Props>(properties: P): Schema<ObjectOf<P>> {
    const required = Object.keys(properties).filter(
      (k) => properties[k]?.isRequired,
    );
    return new Schema(
      {
        type: "object",
        properties: Object.fromEntries(
          Object.entries(properties).map(([k, v]) => [k, v.openapi]),
        ),
        ...(required.length > 0 ? { required } : {}),
      },
      false,
    );
  },
  /** Any JSON value (a string or a list, say), checked by the code that reads it. */
  anyValue(): Schema<unknown> {
    return new Schema({ "x-kubernetes-preserve-unknown-fields": true }, false);
  },
  /** Free-form JSON kept as is (for example the settings copied from a Gloo Upstream). */
  unknownObject(): Schema<Record<string, unknown>> {
    return new Schema(
      { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      false,
    );
  },
};
