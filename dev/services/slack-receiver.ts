// A Slack-compatible incoming-webhook receiver on 127.0.0.1 that records every payload it is sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlackPayload {
  text: string;
  channel?: string;
  username?: string;
  attachments?: {
    color?: string;
    text?: string;
    fields?: { title: string; value: string }[];
  }[];
}

export class SlackReceiver {
  readonly payloads: SlackPayload[] = [];
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        try {
          this.payloads.push(JSON.parse(body) as SlackPayload);
          res.writeHead(200).end("ok");
        } catch {
          res.writeHead(400).end("invalid_payload");
        }
      });
    });
    await new Promise<void>((resolve) =>
      this.server?.listen({ host: "127.0.0.1", port: 0 }, resolve),
    );
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
