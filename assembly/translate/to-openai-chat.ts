// What every translator whose client speaks OpenAI chat writes the same way: stream chunks
// (chat.completion.chunk), the usage object, the closing usage chunk and [DONE], and an error
// inside a stream. The translators (to Anthropic, Gemini, Bedrock) differ only in what they read.
import { JsonWriter } from "../json/writer";
import { redactSecrets } from "../safety/redact-text";
import { TranslateFacts, Translator } from "./translator";
import { WireApi } from "../api";

/** What follows a content delta's JSON string in a chunk (see textPrefix). */
export const TEXT_CHUNK_SUFFIX = String.UTF8.encode("},\"logprobs\":null,\"finish_reason\":null}]}\n\n");

/**
 * OpenAI's usage object members: prompt tokens include the cached ones and those written to the
 * cache, as OpenAI counts them. Writes ride as prompt_tokens_details.cache_write_tokens (OpenRouter's
 * field; the hub's for composed translators), only when there are some: OpenAI reports none.
 */
export function writeUsageFields(w: JsonWriter, prompt: i64, cached: i64, completion: i64, written: i64 = 0): void {
  w.key("prompt_tokens").number(prompt).key("completion_tokens").number(completion).key("total_tokens").number(prompt + completion);
  w.key("prompt_tokens_details").object().key("cached_tokens").number(cached);
  if (written > 0) w.key("cache_write_tokens").number(written);
  w.endObject();
}

/** Closes a choice's message (an answer's) or delta (a chunk's), then the choice (logprobs none, the finish_reason) and the choices. */
function closeChoice(w: JsonWriter, finishReason: string | null): void {
  w.endObject().key("logprobs").nil().key("finish_reason");
  if (finishReason !== null) w.string(finishReason!); else w.nil();
  w.endObject().endArray();
}

export abstract class ToOpenAIChat extends Translator {
  protected id: string = "";
  protected created: i64 = 0;
  protected model: string = "";
  /** The provider's keys: redacted from any provider message passed on in a stream. */
  protected secrets: string[] = [];
  /** The stream is over (its end or an error was written): later events are ignored. */
  protected finished: bool = false;
  protected includeUsage: bool = false;
  private prefix: ArrayBuffer | null = null;
  /** Per streamed tool call (by its OpenAI index): has a non-empty arguments delta been sent? */
  private toolHasArgs: Array<bool> = [];

  constructor(backend: WireApi) { super(WireApi.OpenAI, backend); }

  /** What every answer and chunk of this request repeats (created, the model sent), and the keys to redact: read from the request's facts. */
  protected takeFacts(facts: TranslateFacts): void {
    this.created = facts.nowSeconds;
    this.model = facts.model;
    this.secrets = facts.secrets;
  }

  /** A stream's first chunk: the assistant's role and empty content, as OpenAI starts one. */
  protected roleChunk(out: JsonWriter): void {
    this.chunkOpen(out);
    out.key("role").string("assistant").key("content").string("");
    this.chunkClose(out, null);
  }

  protected chunkHeader(out: JsonWriter): void {
    out.object().key("id").string(this.id).key("object").string("chat.completion.chunk").key("created").number(this.created).key("model").string(this.model);
  }

  /** Writes a chunk up to its open delta object; chunkClose finishes it. */
  protected chunkOpen(out: JsonWriter): void {
    out.raw("data: ");
    this.chunkHeader(out);
    out.key("choices").array().object().key("index").number(0).key("delta").object();
  }

  protected chunkClose(out: JsonWriter, finishReason: string | null): void {
    closeChoice(out, finishReason);
    out.endObject();
    out.raw("\n\n");
  }

  /** A chat.completion answer's one choice, after its id and model: open at the message's first member. */
  protected messageOpen(w: JsonWriter): void {
    w.key("choices").array().object().key("index").number(0).key("message").object().key("role").string("assistant");
  }

  /** Closes the message and the answer: its finish_reason, its usage (unless `withUsage` is false: none was reported), the answer's bytes. */
  protected answerClose(w: JsonWriter, finishReason: string, withUsage: bool = true): ArrayBuffer {
    closeChoice(w, finishReason);
    if (withUsage) {
      w.key("usage");
      this.writeUsage(w);
    }
    w.endObject();
    return w.toBuffer();
  }

  protected textChunk(out: JsonWriter, text: string): void {
    this.chunkOpen(out);
    out.key("content").string(text);
    this.chunkClose(out, null);
  }

  /**
   * A content-delta chunk around a JSON string already in the provider's bytes: the fixed part is
   * built once per stream (id and model must be known; resetPrefix() when they change).
   */
  protected textFromSpan(out: JsonWriter, stringAt: usize, stringLength: i32): void {
    if (this.prefix === null) {
      const w = new JsonWriter(256);
      w.raw("data: ");
      this.chunkHeader(w);
      w.key("choices").array().object().key("index").number(0).key("delta");
      w.raw("{\"content\":");
      this.prefix = w.toBuffer();
    }
    out.bytes(changetype<usize>(this.prefix), this.prefix!.byteLength);
    out.bytes(stringAt, stringLength);
    out.bytes(changetype<usize>(TEXT_CHUNK_SUFFIX), TEXT_CHUNK_SUFFIX.byteLength);
  }

  protected resetPrefix(): void { this.prefix = null; }

  /** Writes a tool call's first chunk (id, name, arguments ""), as OpenAI starts one. */
  protected toolStart(out: JsonWriter, toolIndex: i32, id: string, name: string): void {
    while (this.toolHasArgs.length <= toolIndex) this.toolHasArgs.push(false);
    this.chunkOpen(out);
    out.key("tool_calls").array().object().key("index").number(toolIndex).key("id").string(id).key("type").string("function");
    out.key("function").object().key("name").string(name).key("arguments").string("").endObject().endObject().endArray();
    this.chunkClose(out, null);
  }

  /** Notes that a call's arguments delta (non-empty) was written. */
  protected toolArgsSent(toolIndex: i32): void {
    if (toolIndex >= 0 && toolIndex < this.toolHasArgs.length) this.toolHasArgs[toolIndex] = true;
  }

  /**
   * Ends every started call that got no arguments with a "{}" delta, as OpenAI streams a call without
   * arguments: clients JSON.parse the joined deltas, and "" does not parse (the openai SDK's runTools).
   */
  protected closeToolsWithoutArgs(out: JsonWriter): void {
    for (let i = 0; i < this.toolHasArgs.length; i++) {
      if (this.toolHasArgs[i]) continue;
      this.toolHasArgs[i] = true;
      this.chunkOpen(out);
      out.key("tool_calls").array().object().key("index").number(i).key("function").object().key("arguments").string("{}").endObject().endObject().endArray();
      this.chunkClose(out, null);
    }
  }

  protected writeUsage(w: JsonWriter): void {
    w.object();
    writeUsageFields(w, this.usage.input, this.usage.cachedInput, this.usage.output, this.usage.cacheWrite);
    // Reasoning tokens are part of completion_tokens, as OpenAI counts them (usage/read.ts adds Gemini's thoughts in).
    if (this.usage.reasoning > 0) w.key("completion_tokens_details").object().key("reasoning_tokens").number(this.usage.reasoning).endObject();
    w.endObject();
  }

  /** The end of a whole stream: the usage chunk when the client asked for it, then [DONE]. */
  protected done(out: JsonWriter): void {
    if (this.includeUsage) {
      out.raw("data: ");
      this.chunkHeader(out);
      out.key("choices").array().endArray().key("usage");
      this.writeUsage(out);
      out.endObject();
      out.raw("\n\n");
    }
    out.raw("data: [DONE]\n\n");
    this.finished = true;
    this.usage.streamEnded = true;
  }

  /** An error inside the stream, as OpenAI writes one: a data line holding an error object. */
  protected writeError(out: JsonWriter, message: string, type: string): void {
    out.raw("data: ").object().key("error").object().key("message").string(redactSecrets(message, this.secrets)).key("type").string(type).key("param").nil().key("code").nil().endObject().endObject();
    out.raw("\n\n");
    this.finished = true;
  }

  protected fail(out: JsonWriter, message: string): void { this.writeError(out, message, "server_error"); }

  abort(out: JsonWriter, message: string): void { if (!this.finished) this.fail(out, message); }
}
