// An OpenAI-compatible provider for quota tests: each answer uses what it says it used, within the
// request's own cap (max_tokens / max_completion_tokens, else `defaultCap`), after a delay so that
// many requests are in flight at once. It keeps the total it reported: the real spend a quota must
// hold under. Streams report usage only when asked (stream_options.include_usage), as OpenAI does;
// `reportsUsage: false` is a provider that never reports it.
import { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackServer } from "./loopback-server.js";

export interface QuotaProviderOptions {
  /** Tokens of prompt each answer reports, or a function of the request body's bytes (a tokenizer counting more than bytes / 4). */
  promptTokens: number | ((bytes: number) => number);
  /** Completion tokens of an answer, given its cap (default: the whole cap). */
  completion?: (cap: number) => number;
  /** The cap when the request names none. */
  defaultCap: number;
  /** Milliseconds before the answer starts. */
  delayMs?: number;
  reportsUsage?: boolean;
}

export class QuotaProvider extends LoopbackServer {
  /** Tokens this provider reported (or, when it reports none, generated) in answers it finished. */
  spent = 0;
  answered = 0;
  bodies: any[] = [];

  constructor(private readonly o: QuotaProviderOptions) { super(); }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString("utf8"));
      const prompt = typeof this.o.promptTokens === "number" ? this.o.promptTokens : this.o.promptTokens(raw.length);
      this.bodies.push(body);
      const cap = Math.max(body.max_tokens ?? -1, body.max_completion_tokens ?? -1);
      const completion = (this.o.completion ?? ((c) => c))(cap >= 0 ? cap : this.o.defaultCap);
      setTimeout(() => this.answer(res, body, prompt, completion), this.o.delayMs ?? 0);
    });
  }

  private answer(res: ServerResponse, body: any, prompt: number, completion: number): void {
    if (res.destroyed) return;
    const used = prompt + completion;
    const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: used };
    const reports = this.o.reportsUsage !== false;
    // Four bytes of text a token, as the estimates assume.
    const text = "abcd".repeat(completion);
    if (body.stream !== true) {
      const answer = JSON.stringify({ id: "q", object: "chat.completion", model: body.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], ...(reports ? { usage } : {}) });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(answer)) });
      res.end(answer, () => { this.spent += used; this.answered++; });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: "q", object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    // Two content events a little apart, so that a client can go away in between.
    const half = Math.floor(text.length / 2);
    res.write(chunk({ content: text.slice(0, half) }, null));
    setTimeout(() => {
      if (res.destroyed) return;
      let rest = chunk({ content: text.slice(half) }, null) + chunk({}, "stop");
      if (reports && body.stream_options?.include_usage === true) rest += `data: ${JSON.stringify({ id: "q", object: "chat.completion.chunk", model: body.model, choices: [], usage })}\n\n`;
      res.end(rest + "data: [DONE]\n\n", () => { this.spent += used; this.answered++; });
    }, 30);
  }
}
