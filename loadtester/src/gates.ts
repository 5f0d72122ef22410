// Manual gates, per canary (namespace/name): the confirm gate (/gate/check|open|close) and the
// rollback gate (/rollback/check|open|close). Both start closed. State is written through to a store
// before the request is answered, so a gate opened and acknowledged survives a restart. Only open gates
// are stored (closed is the default), at most maxOpen of them, so the store stays small; a write the
// store refuses is undone in memory, so one bad write never blocks the next.
import { readFile, rename, writeFile } from "node:fs/promises";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

export type GateKind = "gate" | "rollback";
export type GateState = Record<string, boolean>;

export interface GateStore {
  /** Where the state lives, for logs. */
  readonly description: string;
  load(): Promise<GateState>;
  save(state: GateState): Promise<void>;
}

const gateKey = (kind: GateKind, namespace: string, name: string): string =>
  `${kind}.${namespace}.${name}`;

export type SetResult = "ok" | "full" | { error: string };

export class Gates {
  private state: GateState = {};
  private readonly store: GateStore;
  private writes: Promise<void> = Promise.resolve();
  readonly maxOpen: number;

  constructor(store: GateStore, maxOpen = 1000) {
    this.store = store;
    this.maxOpen = maxOpen;
  }

  async load(): Promise<void> {
    const loaded = await this.store.load();
    this.state = Object.fromEntries(
      Object.entries(loaded).filter(([, open]) => open),
    );
  }

  isOpen(kind: GateKind, namespace: string, name: string): boolean {
    return this.state[gateKey(kind, namespace, name)] === true;
  }

  /** Sets a gate and resolves once the store has it; writes are serialized, the last one wins. */
  async set(
    kind: GateKind,
    namespace: string,
    name: string,
    open: boolean,
  ): Promise<SetResult> {
    const key = gateKey(kind, namespace, name);
    const was = this.state[key] === true;
    if (open && !was && Object.keys(this.state).length >= this.maxOpen)
      return "full";
    const next = { ...this.state };
    if (open) next[key] = true;
    else delete next[key];
    this.state = next;
    const write = this.writes
      .catch(() => undefined)
      .then(() => this.store.save(next));
    this.writes = write;
    try {
      await write;
      return "ok";
    } catch (error) {
      // Undo this change unless a later one has set the gate since.
      if ((this.state[key] === true) === open) {
        const undone = { ...this.state };
        if (was) undone[key] = true;
        else delete undone[key];
        this.state = undone;
      }
      return { error: (error as Error).message };
    }
  }

  snapshot(): GateState {
    return { ...this.state };
  }
}

/** A JSON file, replaced atomically (write then rename), for running outside a cluster. */
export function fileGateStore(path: string): GateStore {
  return {
    description: `file ${path}`,
    async load() {
      try {
        return JSON.parse(await readFile(path, "utf8")) as GateState;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
        throw new Error(
          `cannot read gate state from ${path}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    async save(state) {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
      await rename(tmp, path);
    },
  };
}

/** A ConfigMap (data key per gate, "open" or "closed"), created on the first write. */
export function configMapGateStore(
  kc: KubeConfig,
  namespace: string,
  name: string,
): GateStore {
  const core = kc.makeApiClient(CoreV1Api);
  const status = (error: unknown) => (error as { code?: number }).code;
  return {
    description: `ConfigMap ${namespace}/${name}`,
    async load() {
      try {
        const cm = await core.readNamespacedConfigMap({ name, namespace });
        return Object.fromEntries(
          Object.entries(cm.data ?? {}).map(([k, v]) => [k, v === "open"]),
        );
      } catch (error) {
        if (status(error) === 404) return {};
        throw error;
      }
    },
    async save(state) {
      const data = Object.fromEntries(
        Object.entries(state).map(([k, v]) => [k, v ? "open" : "closed"]),
      );
      try {
        await core.replaceNamespacedConfigMap({
          name,
          namespace,
          body: { metadata: { name, namespace }, data },
        });
      } catch (error) {
        if (status(error) !== 404) throw error;
        await core.createNamespacedConfigMap({
          namespace,
          body: {
            metadata: {
              name,
              namespace,
              labels: { "app.kubernetes.io/managed-by": "siskin-loadtester" },
            },
            data,
          },
        });
      }
    },
  };
}
