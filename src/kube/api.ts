// Typed-enough calls on Kubernetes objects by apiVersion + kind, over the pooled client.
import type { KubeClient, Query } from "./client/http.ts";
import type { Priority } from "./client/rate-limit.ts";
import { resourceOf, resourcePath } from "./client/resources.ts";

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    [key: string]: unknown;
  };
}

export interface ObjectList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export const patchTypes = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

export type PatchType = keyof typeof patchTypes;

const pathOf = (ref: ObjectRef, subresource?: string): string =>
  resourcePath(resourceOf(ref.apiVersion, ref.kind), {
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.name ? { name: ref.name } : {}),
    ...(subresource ? { subresource } : {}),
  });

const refOf = (object: KubeObject): ObjectRef => ({
  apiVersion: object.apiVersion ?? "",
  kind: object.kind ?? "",
  ...(object.metadata?.namespace
    ? { namespace: object.metadata.namespace }
    : {}),
  ...(object.metadata?.name ? { name: object.metadata.name } : {}),
});

export class KubeApi {
  readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  get<T = KubeObject>(ref: ObjectRef): Promise<T> {
    return this.client.request<T>({ method: "GET", path: pathOf(ref) });
  }

  /** One page, or all pages when `all` is set (paginated by 500). */
  async list<T = KubeObject>(
    ref: ObjectRef,
    query: Query = {},
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let token: string | undefined;
    let last: ObjectList<T>;
    do {
      last = await this.client.request<ObjectList<T>>({
        method: "GET",
        path: pathOf({ ...ref, name: "" }),
        verb: "LIST",
        query: { limit: 500, ...query, ...(token ? { continue: token } : {}) },
      });
      items.push(...(last.items ?? []));
      token = last.metadata?.continue || undefined;
    } while (token);
    return { ...(last.metadata ? { metadata: last.metadata } : {}), items };
  }

  create<T extends KubeObject>(
    object: T,
    query: Query = {},
    priority?: Priority,
  ): Promise<T> {
    const ref = refOf(object);
    return this.client.request<T>({
      method: "POST",
      path: pathOf({ ...ref, name: "" }),
      body: object,
      query,
      ...(priority ? { priority } : {}),
    });
  }

  replace<T extends KubeObject>(object: T, subresource?: string): Promise<T> {
    return this.client.request<T>({
      method: "PUT",
      path: pathOf(refOf(object), subresource),
      body: object,
    });
  }

  /** Server-side apply as `fieldManager`; `force` takes over fields other managers own. */
  apply<T extends KubeObject>(
    object: T,
    fieldManager: string,
    force = true,
    subresource?: string,
  ): Promise<T> {
    return this.client.request<T>({
      method: "PATCH",
      path: pathOf(refOf(object), subresource),
      body: object,
      contentType: patchTypes.apply,
      verb: "APPLY",
      query: { fieldManager, ...(force ? { force: true } : {}) },
    });
  }

  patch<T = KubeObject>(
    ref: ObjectRef,
    body: unknown,
    type: PatchType,
    options: { subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    return this.client.request<T>({
      method: "PATCH",
      path: pathOf(ref, options.subresource),
      body,
      contentType: patchTypes[type],
      ...(options.fieldManager
        ? { query: { fieldManager: options.fieldManager } }
        : {}),
    });
  }

  async delete(ref: ObjectRef, query: Query = {}): Promise<void> {
    await this.client.request({ method: "DELETE", path: pathOf(ref), query });
  }
}
