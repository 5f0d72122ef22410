import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FreezableProxy } from "./freezable-proxy.ts";

/** A server that records what it received and echoes it back. */
let received = "";
const server = net.createServer((socket) =>
  socket.on("data", (chunk) => {
    received += chunk.toString();
    socket.write(chunk);
  }),
);
let proxy: FreezableProxy;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  proxy = await new FreezableProxy("127.0.0.1", port).start();
});
afterAll(async () => {
  await proxy.stop();
  server.close();
});

function connect(): Promise<{ socket: net.Socket; got: () => string }> {
  return new Promise((resolve) => {
    let got = "";
    const socket = net.connect(proxy.port, "127.0.0.1", () =>
      resolve({ socket, got: () => got }),
    );
    socket.on("data", (c) => (got += c.toString()));
    socket.on("error", () => undefined);
  });
}

const settle = () => new Promise((r) => setTimeout(r, 100));

describe("FreezableProxy", () => {
  it("forwards, holds while frozen, delivers to a client still there after heal", async () => {
    const a = await connect();
    a.socket.write("one;");
    await settle();
    expect(a.got()).toBe("one;");
    proxy.freeze();
    a.socket.write("two;");
    await settle();
    expect(received).not.toContain("two;");
    expect(a.got()).toBe("one;");
    proxy.heal();
    await settle();
    expect(received).toContain("two;");
    expect(a.got()).toBe("one;two;");
    a.socket.destroy();
  });

  it("drops what a client sent while frozen if it left before the heal", async () => {
    proxy.freeze();
    const b = await connect();
    b.socket.write("ghost;");
    b.socket.destroy();
    await settle();
    proxy.heal();
    await settle();
    expect(received).not.toContain("ghost;");
  });

  it("existingOnly: open connections hang, new ones work", async () => {
    const old = await connect();
    proxy.freeze({ existingOnly: true });
    old.socket.write("stuck;");
    const fresh = await connect();
    fresh.socket.write("fresh;");
    await settle();
    expect(fresh.got()).toBe("fresh;");
    expect(old.got()).toBe("");
    expect(received).not.toContain("stuck;");
    proxy.heal();
    old.socket.destroy();
    fresh.socket.destroy();
  });
});
