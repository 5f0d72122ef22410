// A TCP proxy on loopback in front of the API server (or any server) that can stop forwarding, as a
// network partition or a half-open connection does, to test what a process does when its calls hang:
//   freeze()                  every connection, open or new, stops carrying bytes in both directions;
//   freeze({ existingOnly })  only the connections open now hang (half-open TCP); new ones work;
//   heal()                    forwarding resumes. What a client sent while frozen is delivered only if
//                             that client is still connected: the bytes of a process that has died or
//                             closed its connection meanwhile are dropped with the connection, never
//                             replayed into the server later.
import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket | undefined;
  frozen: boolean;
  /** Bytes held while frozen, by direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
  clientGone: boolean;
}

export class FreezableProxy {
  private server: net.Server | undefined;
  private readonly links = new Set<Link>();
  private freezeNew = false;
  url = "";
  port = 0;
  /** Connections accepted so far (a test can check its client reconnected). */
  accepted = 0;

  private readonly targetHost: string;
  private readonly targetPort: number;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) =>
      this.server?.listen(0, "127.0.0.1", resolve),
    );
    const address = this.server.address() as net.AddressInfo;
    this.port = address.port;
    this.url = `127.0.0.1:${address.port}`;
    return this;
  }

  freeze(options: { existingOnly?: boolean } = {}): void {
    for (const link of this.links) link.frozen = true;
    this.freezeNew = !options.existingOnly;
  }

  heal(): void {
    this.freezeNew = false;
    for (const link of this.links) {
      if (!link.frozen) continue;
      link.frozen = false;
      if (link.clientGone) {
        link.upstream?.destroy();
        this.links.delete(link);
        continue;
      }
      if (!link.upstream) this.connect(link);
      for (const chunk of link.toUpstream.splice(0))
        link.upstream?.write(chunk);
      for (const chunk of link.toClient.splice(0)) link.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const link: Link = {
      client,
      upstream: undefined,
      frozen: this.freezeNew,
      toUpstream: [],
      toClient: [],
      clientGone: false,
    };
    this.links.add(link);
    client.on("data", (chunk: Buffer) => {
      if (link.frozen || !link.upstream) link.toUpstream.push(chunk);
      else link.upstream.write(chunk);
    });
    const gone = () => {
      link.clientGone = true;
      if (!link.frozen) {
        link.upstream?.end();
        this.links.delete(link);
      }
    };
    client.on("end", gone);
    client.on("close", gone);
    client.on("error", gone);
    if (!link.frozen) this.connect(link);
  }

  private connect(link: Link): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    link.upstream = upstream;
    upstream.on("connect", () => {
      if (link.frozen) return;
      for (const chunk of link.toUpstream.splice(0)) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (link.frozen) link.toClient.push(chunk);
      else link.client.write(chunk);
    });
    const close = () => {
      if (link.frozen) return; // a partition hides the server's close too
      link.client.destroy();
      this.links.delete(link);
    };
    upstream.on("end", close);
    upstream.on("error", close);
  }
}
