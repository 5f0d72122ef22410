// The target both load generators hit: a plain HTTP server on 127.0.0.1 answering 200 with a short
// body, in a process of its own so it never shares an event loop with a generator. Prints its port.
import { createServer } from "node:http";

const server = createServer((_req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": "2" });
  res.end("ok");
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(typeof address === "object" && address ? address.port : 0);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
