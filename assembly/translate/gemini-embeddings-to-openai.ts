// Gemini embedContent and batchEmbedContents (https://ai.google.dev/api/embeddings) on an OpenAI
// embeddings backend (https://platform.openai.com/docs/api-reference/embeddings/create): each
// content's text parts are one input string; the vectors come back as Gemini's {"values": […]}.
// taskType and title have no OpenAI equivalent and are dropped (docs/translation.md).
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { Operation, WireApi } from "../api";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { arrayAt, integerAt, member, objectAt, stringAt } from "../json/members";
import { readUsage } from "../usage/read";
import { camelCaseKeys } from "./gemini-fields";
import { SseEvent } from "../stream/sse";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";

export class GeminiEmbeddingsToOpenAI extends Translator {
  /** How many vectors the client asked for (batch), to check the answer has them all. */
  private count: i32 = 0;

  constructor(private op: Operation) { super(WireApi.Gemini, WireApi.OpenAI); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    const twice = camelCaseKeys(body);
    if (twice !== null) return TranslatedRequest.refused(twice!);
    const texts = new Array<string>();
    let dimensions: JsonValue | null = null;
    if (this.op == Operation.GeminiEmbed) {
      const text = contentText(body, "");
      if (text.error !== null) return TranslatedRequest.refused(text.error!);
      texts.push(text.text);
      dimensions = member(body, "outputDimensionality");
    } else {
      const requests = arrayAt(body, "requests");
      if (requests === null || requests.items.length == 0) return TranslatedRequest.refused("requests: is required and must be a non-empty array");
      for (let i = 0; i < requests.items.length; i++) {
        const path = "requests[" + i.toString() + "].";
        const text = contentText(requests.items[i], path);
        if (text.error !== null) return TranslatedRequest.refused(text.error!);
        texts.push(text.text);
        // One OpenAI request has one dimensions: every request must ask the same.
        const d = member(requests.items[i], "outputDimensionality");
        if (i == 0) dimensions = d;
        else if ((d === null) != (dimensions === null) || d !== null && d.text != dimensions!.text) return TranslatedRequest.refused(path + "outputDimensionality: must be the same in every request for this backend");
      }
    }
    this.count = texts.length;
    const w = new JsonWriter(256);
    w.object().key("model").string(facts.model).key("input");
    if (this.op == Operation.GeminiEmbed) w.string(texts[0]);
    else { w.array(); for (let i = 0; i < texts.length; i++) w.string(texts[i]); w.endArray(); }
    if (dimensions !== null && dimensions.kind != JsonKind.Null) {
      if (!dimensions.isInteger() || dimensions.numberValue < 1) return TranslatedRequest.refused("outputDimensionality: must be a positive integer");
      w.key("dimensions").rawValue(dimensions.text);
    }
    w.key("encoding_format").string("float").endObject();
    return TranslatedRequest.of(w, false);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const answer = parseAnswer(body, true);
    if (answer === null) return null;
    const data = arrayAt(answer, "data");
    if (data === null || data.items.length != this.count) return null;
    const usage = objectAt(answer, "usage");
    if (usage !== null) readUsage(WireApi.OpenAI, usage!, this.usage);
    // In the order of the inputs: OpenAI gives each item its index.
    const ordered = new Array<JsonValue | null>(this.count);
    for (let i = 0; i < data.items.length; i++) {
      // Compared before narrowing: 2^32 + 1 must not pass as 1.
      const index = integerAt(data.items[i], "index", i);
      const values = arrayAt(data.items[i], "embedding");
      if (index < 0 || index >= <i64>this.count || values === null || ordered[<i32>index] !== null) return null;
      ordered[<i32>index] = values;
    }
    const w = new JsonWriter(body.byteLength + 64);
    w.object();
    if (this.op == Operation.GeminiEmbed) {
      w.key("embedding").object().key("values").value(ordered[0]!).endObject();
    } else {
      w.key("embeddings").array();
      for (let i = 0; i < this.count; i++) w.object().key("values").value(ordered[i]!).endObject();
      w.endArray();
    }
    w.endObject();
    return w.toBuffer();
  }

  event(event: SseEvent, out: JsonWriter): void {}
  endStream(out: JsonWriter): void {}

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.Gemini, status, "", null, info !== null ? info.message : fallback));
  }
}

class ContentText {
  text: string = "";
  error: string | null = null;
}

/** The text of a request's `content`: its text parts joined (embeddings take text only). */
function contentText(request: JsonValue, path: string): ContentText {
  const out = new ContentText();
  const content = objectAt(request, "content");
  const parts = content !== null ? arrayAt(content!, "parts") : null;
  if (parts === null || parts.items.length == 0) { out.error = path + "content.parts: is required and must be a non-empty array"; return out; }
  const texts = new Array<string>();
  for (let i = 0; i < parts.items.length; i++) {
    const t = stringAt(parts.items[i], "text");
    if (t === null) { out.error = path + "content.parts[" + i.toString() + "]: this route's backend embeds text parts only"; return out; }
    texts.push(t!);
  }
  out.text = texts.join("\n");
  return out;
}
