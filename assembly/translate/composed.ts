// Two translators in a row: client API -> OpenAI chat (outer) and OpenAI chat -> backend API
// (inner). A Responses API client reaches Anthropic, Gemini or Bedrock this way, through the
// same translators OpenAI chat clients use; nothing in either translator knows of the other.
import { JsonValue, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { MAX_EVENT_BYTES, SseDecoder, SseEvent } from "../stream/sse";
import { ClientError, TranslateFacts, TranslatedRequest, Translator } from "./translator";

export class ComposedTranslator extends Translator {
  private middle: JsonWriter = new JsonWriter(1024);
  /** Reads what the inner translator wrote from one bounded provider event (escaping can grow it): a wider bound. */
  private decoder: SseDecoder = new SseDecoder(MAX_EVENT_BYTES * 8);

  constructor(private outer: Translator, private inner: Translator) {
    super(outer.client, inner.backend);
    // The provider's figures are what the inner translator reads from its answer.
    this.usage = inner.usage;
  }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    facts.hub = true;
    const chat = this.outer.request(body, facts);
    facts.hub = false;
    if (chat.body === null) return chat;
    const parsed = parseJson(String.UTF8.decode(chat.body!));
    if (parsed.value === null) return TranslatedRequest.refused("the request could not be translated");
    const out = this.inner.request(parsed.value!, facts);
    out.stream = chat.stream;
    // Both may leave tools out (a search the backend cannot run beside functions is the inner's); each name once.
    const dropped = chat.dropped;
    for (let i = 0; i < out.dropped.length; i++) if (!dropped.includes(out.dropped[i])) dropped.push(out.dropped[i]);
    out.dropped = dropped;
    return out;
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const chat = this.inner.response(body);
    return chat === null ? null : this.outer.response(chat!);
  }

  event(event: SseEvent, out: JsonWriter): void {
    this.middle.reset();
    this.inner.event(event, this.middle);
    this.relay(out, false);
  }

  endStream(out: JsonWriter): void {
    this.middle.reset();
    this.inner.endStream(this.middle);
    this.relay(out, true);
    this.outer.endStream(out);
  }

  abort(out: JsonWriter, message: string): void {
    this.middle.reset();
    this.inner.abort(this.middle, message);
    this.relay(out, true);
    this.outer.endStream(out);
  }

  error(status: i32, body: string | null, fallback: string): ClientError {
    const chat = this.inner.error(status, body, fallback);
    return this.outer.error(chat.status, chat.body, fallback);
  }

  /** The inner translator's chat events, as the outer translator's input. */
  private relay(out: JsonWriter, last: bool): void {
    if (this.middle.length == 0 && !last) return;
    const events = new Array<SseEvent>();
    this.decoder.push(this.middle.toBuffer(), last, events);
    for (let i = 0; i < events.length; i++) this.outer.event(events[i], out);
  }
}
