import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freeLoopbackPorts } from "./ports.ts";

describe("freeLoopbackPorts", () => {
  it("returns distinct ports that can then be bound on 127.0.0.1", async () => {
    const ports = await freeLoopbackPorts(6);
    expect(new Set(ports).size).toBe(6);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port }, resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
