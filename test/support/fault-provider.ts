// A provider that fails on demand, for failover tests: it speaks OpenAI's chat API (JSON and SSE),
// checks the key and body as the real API would, and then behaves as its current fault says:
// answer, an error status (429 with Retry-After, 5xx), a reset before headers or mid-stream, a slow
// first byte, a body that stalls, or a slow trickle. It counts what reached it, per key.
import { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server.js";

export type Fault =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfter?: string }
  | { kind: "reset-before-headers" }
  | { kind: "reset-mid-stream" }
  | { kind: "slow-first-byte"; ms: number }
  | { kind: "stall-body" }
  | { kind: "trickle"; ms: number }
  | { kind: "end-early" };

export interface Received { key: string; body: any; at: number }

export class FaultProvider extends LoopbackServer {
  fault: Fault = { kind: "ok" };
  /** Per key: a fault for that key alone (e.g. one key rate-limited). */
  keyFaults = new Map<string, Fault>();
  received: Received[] = [];

  constructor(readonly name: string, readonly keys: string[]) { super(); }

  /** Requests that reached this provider since `since` (ms epoch). */
  count(since = 0): number { return this.received.filter((r) => r.at >= since).length; }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const auth = String(req.headers.authorization ?? "");
      const key = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      let body: any;
      try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { body = undefined; }
      this.received.push({ key, body, at: Date.now() });
      // What OpenAI refuses, this refuses: a missing or unknown key, a body that is not a chat request.
      if (!this.keys.includes(key)) return json(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } });
      if (!body || typeof body.model !== "string" || !Array.isArray(body.messages)) return json(res, 400, { error: { message: "model and messages are required", type: "invalid_request_error" } });
      this.behave(this.keyFaults.get(key) ?? this.fault, body, req, res);
    });
  }

  private behave(fault: Fault, body: any, req: IncomingMessage, res: ServerResponse): void {
    const stream = body.stream === true;
    switch (fault.kind) {
      case "ok": return answer(res, this.name, body.model, stream, 0);
      case "status":
        return json(res, fault.status, { error: { message: `${this.name} is failing with ${fault.status}`, type: fault.status === 429 ? "rate_limit_exceeded" : "server_error" } },
          fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {});
      case "reset-before-headers": req.socket.destroy(); return;
      case "reset-mid-stream":
        res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
        res.write(stream ? chunkEvent(this.name, body.model, "Hel") : '{"id":"chatcmpl-1","object":"chat.completion",');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      case "slow-first-byte": setTimeout(() => answer(res, this.name, body.model, stream, 0), fault.ms); return;
      case "stall-body":
        res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
        res.write(stream ? chunkEvent(this.name, body.model, "Hel") : '{"id":"chatcmpl-1",');
        return; // and nothing more, until the connection goes
      case "trickle": return answer(res, this.name, body.model, stream, fault.ms);
      case "end-early":
        // A clean end before the answer is: no finish reason, no [DONE] (or half a JSON body).
        res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
        res.end(stream ? chunkEvent(this.name, body.model, "Hel") : '{"id":"chatcmpl-1",');
        return;
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function chunkEvent(provider: string, model: string, text: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: finish ? {} : { content: text }, finish_reason: finish }] })}\n\n`;
}

/** OpenAI's answer, from `provider` (its name is the content, so tests see who answered); streams paced `ms` apart. */
function answer(res: ServerResponse, provider: string, model: string, stream: boolean, ms: number): void {
  const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
  if (!stream) {
    const body = { id: "chatcmpl-1", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: `answered by ${provider}` }, finish_reason: "stop" }], usage };
    if (ms === 0) return json(res, 200, body);
    // A JSON answer in four pieces, `ms` apart.
    const text = JSON.stringify(body);
    res.writeHead(200, { "content-type": "application/json" });
    const quarter = Math.ceil(text.length / 4);
    let at = 0;
    const piece = () => {
      if (res.destroyed) return;
      if (at >= text.length) { res.end(); return; }
      res.write(text.slice(at, at + quarter));
      at += quarter;
      setTimeout(piece, ms);
    };
    piece();
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const events = [chunkEvent(provider, model, "answered by "), chunkEvent(provider, model, provider), chunkEvent(provider, model, "", "stop"), "data: [DONE]\n\n"];
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === events.length) { res.end(); return; }
    res.write(events[i++]);
    if (ms > 0) setTimeout(next, ms); else next();
  };
  next();
}
