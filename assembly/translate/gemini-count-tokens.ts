// Gemini countTokens (https://ai.google.dev/api/tokens) on Anthropic's count_tokens
// (https://docs.anthropic.com/en/api/messages-count-tokens): the contents (or the whole
// generateContentRequest) translated as for generateContent, through chat, then cut to the fields
// count_tokens takes; {"input_tokens": n} back as {"totalTokens": n}.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { integerAt, member, objectAt } from "../json/members";
import { SseEvent } from "../stream/sse";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";
import { WireApi } from "../api";

/** What Anthropic's count_tokens accepts of a Messages request (max_tokens and sampling are refused there). */
const COUNT_FIELDS = ["model", "messages", "system", "tools", "tool_choice", "thinking", "output_config"];

export class GeminiCountTokensToAnthropic extends Translator {
  /** `generate`: Gemini generateContent -> Anthropic Messages, composed through chat. */
  constructor(private generate: Translator) { super(WireApi.Gemini, WireApi.Anthropic); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    // countTokens takes contents alone, or a whole generateContentRequest (its model is the path's).
    const inner = objectAt(body, "generateContentRequest") !== null ? objectAt(body, "generateContentRequest") : objectAt(body, "generate_content_request");
    if (inner !== null && member(body, "contents") !== null) return TranslatedRequest.refused("give contents or generateContentRequest, not both");
    const messages = this.generate.request(inner !== null ? inner! : body, facts);
    if (messages.body === null) return messages;
    const parsed = parseJson(String.UTF8.decode(messages.body!));
    if (parsed.value === null || parsed.value!.kind != JsonKind.Object) return TranslatedRequest.refused("the request could not be translated");
    const full = parsed.value!;
    const w = new JsonWriter(messages.body!.byteLength);
    w.object();
    for (let i = 0; i < full.keys.length; i++) if (COUNT_FIELDS.includes(full.keys[i])) w.key(full.keys[i]).value(full.items[i]);
    w.endObject();
    return TranslatedRequest.of(w, false, messages.dropped);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const answer = parseAnswer(body, true);
    if (answer === null) return null;
    const tokens = integerAt(answer, "input_tokens", -1);
    if (tokens < 0) return null;
    const w = new JsonWriter(32);
    w.object().key("totalTokens").number(tokens).endObject();
    return w.toBuffer();
  }

  event(event: SseEvent, out: JsonWriter): void {}
  endStream(out: JsonWriter): void {}

  error(status: i32, body: string | null, fallback: string): ClientError { return this.generate.error(status, body, fallback); }
}
