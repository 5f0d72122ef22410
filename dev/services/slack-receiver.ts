// A Slack-compatible incoming-webhook receiver on 127.0.0.1 that records every payload it is sent.
import { EventEmitter } from "node:events";
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
  private readonly received = new EventEmitter();
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
          this.received.emit("payload");
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

  /**
   * Resolves once a payload whose text contains `text` has arrived: alerts are posted after the status
   * write that a test waits for, so they may land a moment later.
   */
  async textContaining(
    text: string,
    timeoutMs = 10_000,
  ): Promise<SlackPayload> {
    const find = () => this.payloads.find((p) => p.text.includes(text));
    const now = find();
    if (now) return now;
    return new Promise((resolve, reject) => {
      const onPayload = () => {
        const found = find();
        if (!found) return;
        clearTimeout(timer);
        this.received.off("payload", onPayload);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.received.off("payload", onPayload);
        const texts = this.payloads.map((p) => p.text).join(" | ");
        reject(
          new Error(
            `no Slack payload containing "${text}" within ${timeoutMs} ms; got: ${texts}`,
          ),
        );
      }, timeoutMs);
      this.received.on("payload", onPayload);
    });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
