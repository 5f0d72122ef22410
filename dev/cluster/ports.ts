import { createServer } from "node:net";

/** Asks the kernel for a free TCP port on 127.0.0.1 (the only address the local cluster uses). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port the kernel assigned"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Distinct free ports; duplicates are impossible while the sockets are open, so allocate together. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freeLoopbackPort());
  return [...ports];
}
