// An upstream that answers each request with a canned provider answer (the current row's),
// streams written in small pieces so events cross Envoy's body callbacks.
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";
import { ProviderAnswer, answerBytes } from "./translation-rows.js";

/** An upstream that answers with the current row's canned response, written in small pieces. */
export class CannedUpstream {
  /** The answer to give; with `cut`, the connection is reset after the last piece instead of ending. */
  row: { answer?: ProviderAnswer; cut?: boolean } | undefined;
  received: { path: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      this.received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const a = this.row?.answer ?? { body: { note: "no canned answer" } };
      const { bytes, contentType, streamed } = answerBytes(a);
      res.writeHead(a.status ?? 200, { "content-type": contentType });
      if (streamed) {
        // Split across writes at odd places, so events cross Envoy's body callbacks.
        for (let i = 0; i < bytes.length; i += 37) {
          res.write(bytes.subarray(i, i + 37));
          await new Promise((r) => setTimeout(r, 1));
        }
        if (this.row?.cut) res.socket?.destroy();
        else res.end();
      } else res.end(bytes);
    });
  });
  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }
  close(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }
}

