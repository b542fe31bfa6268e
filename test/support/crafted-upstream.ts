// A provider that answers each request with exactly what a test crafted: status, headers, and the
// body in pieces written a few milliseconds apart (so each reaches the filter as its own callback).
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface CraftedAnswer { status: number; headers: Record<string, string>; chunks: (string | Uint8Array)[] }

export class CraftedUpstream {
  /** The next answer to give. */
  answer: CraftedAnswer = { status: 200, headers: { "content-type": "application/json" }, chunks: ["{}"] };
  received: { path: string; headers: IncomingMessage["headers"] }[] = [];
  private server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      this.received.push({ path: req.url ?? "", headers: req.headers });
      const a = this.answer;
      res.writeHead(a.status, a.headers);
      for (let i = 0; i < a.chunks.length; i++) {
        res.write(a.chunks[i]);
        if (i < a.chunks.length - 1) await new Promise((r) => setTimeout(r, 3));
      }
      res.end();
    });
  });

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }
}
