// OpenAI embeddings (https://platform.openai.com/docs/api-reference/embeddings/create) on Gemini's
// batchEmbedContents (https://ai.google.dev/api/embeddings): one request per input string, the
// vectors back in OpenAI's list, as floats or, when the client asks (the openai SDKs do by
// default), as base64 of little-endian float32.
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { errorBodyFor, readProviderError } from "../error-shapes";
import { arrayAt, member, numberAt, stringAt } from "../json/members";
import { SseEvent } from "../stream/sse";
import { ClientError, TranslateFacts, TranslatedRequest, Translator, parseAnswer } from "./translator";
import { WireApi } from "../api";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export class OpenAIEmbeddingsToGemini extends Translator {
  private model: string = "";
  private base64: bool = false;

  constructor() { super(WireApi.OpenAI, WireApi.Gemini); }

  request(body: JsonValue, facts: TranslateFacts): TranslatedRequest {
    this.model = facts.model;
    const input = member(body, "input");
    const texts = new Array<string>();
    if (input !== null && input.kind == JsonKind.String) texts.push(input.text);
    else if (input !== null && input.kind == JsonKind.Array) {
      for (let i = 0; i < input.items.length; i++) {
        if (input.items[i].kind != JsonKind.String) return TranslatedRequest.refused("input[" + i.toString() + "]: a Gemini backend embeds text; token arrays are not supported");
        texts.push(input.items[i].text);
      }
    } else return TranslatedRequest.refused("input: must be a string or an array of strings");
    if (texts.length == 0) return TranslatedRequest.refused("input: must not be empty");
    const format = stringAt(body, "encoding_format");
    if (format !== null && format! != "float" && format! != "base64") return TranslatedRequest.refused("encoding_format: must be float or base64");
    this.base64 = format !== null && format! == "base64";
    const dimensions = numberAt(body, "dimensions");
    const name = facts.model.startsWith("models/") ? facts.model : "models/" + facts.model;
    const w = new JsonWriter(256 + texts.length * 64);
    w.object().key("requests").array();
    for (let i = 0; i < texts.length; i++) {
      w.object().key("model").string(name).key("content").object().key("parts").array().object().key("text").string(texts[i]).endObject().endArray().endObject();
      if (dimensions !== null) w.key("outputDimensionality").rawValue(dimensions.text);
      w.endObject();
    }
    w.endArray().endObject();
    return TranslatedRequest.of(w, false);
  }

  response(body: ArrayBuffer): ArrayBuffer | null {
    const answer = parseAnswer(body);
    if (answer === null) return null;
    const embeddings = arrayAt(answer, "embeddings");
    if (embeddings === null) return null;
    const w = new JsonWriter(body.byteLength + 256);
    w.object().key("object").string("list").key("data").array();
    for (let i = 0; i < embeddings.items.length; i++) {
      const values = arrayAt(embeddings.items[i], "values");
      if (values === null) return null;
      w.object().key("object").string("embedding").key("index").number(i).key("embedding");
      if (this.base64) w.string(float32Base64(values!));
      else w.value(values!);
      w.endObject();
    }
    // Gemini reports no token counts for embeddings.
    w.endArray().key("model").string(this.model).key("usage").object().key("prompt_tokens").number(0).key("total_tokens").number(0).endObject();
    w.endObject();
    return w.toBuffer();
  }

  event(_event: SseEvent, _out: JsonWriter): void {}

  /** Embeddings do not stream: a provider that streams anyway gets the client one error event, in OpenAI's stream shape. */
  endStream(out: JsonWriter): void { this.abort(out, "the provider streamed an answer to an embeddings request"); }

  abort(out: JsonWriter, message: string): void {
    if (this.ended) return;
    this.ended = true;
    out.raw("data: ").raw(errorBodyFor(WireApi.OpenAI, 502, "server_error", "stream_interrupted", message)).raw("\n\n");
  }
  private ended: bool = false;

  error(status: i32, body: string | null, fallback: string): ClientError {
    const info = body !== null ? readProviderError(body!) : null;
    return new ClientError(status, errorBodyFor(WireApi.OpenAI, status, "", info === null ? "provider_error" : null, info !== null ? info.message : fallback));
  }
}

/** The numbers as little-endian float32, base64-encoded (OpenAI's encoding_format "base64"). */
function float32Base64(values: JsonValue): string {
  const n = values.items.length;
  const bytes = new ArrayBuffer(n * 4);
  const at = changetype<usize>(bytes);
  for (let i = 0; i < n; i++) store<f32>(at + <usize>(i * 4), <f32>values.items[i].numberValue);
  const total = n * 4;
  const chars = new ArrayBuffer(((total + 2) / 3) * 4 * 2);
  const dst = changetype<usize>(chars);
  let o: usize = 0;
  for (let i = 0; i < total; i += 3) {
    const b0 = <i32>load<u8>(at + <usize>i);
    const b1 = i + 1 < total ? <i32>load<u8>(at + <usize>(i + 1)) : 0;
    const b2 = i + 2 < total ? <i32>load<u8>(at + <usize>(i + 2)) : 0;
    store<u16>(dst + o, <u16>BASE64.charCodeAt(b0 >> 2));
    store<u16>(dst + o + 2, <u16>BASE64.charCodeAt(((b0 & 3) << 4) | (b1 >> 4)));
    store<u16>(dst + o + 4, <u16>(i + 1 < total ? BASE64.charCodeAt(((b1 & 15) << 2) | (b2 >> 6)) : 0x3d));
    store<u16>(dst + o + 6, <u16>(i + 2 < total ? BASE64.charCodeAt(b2 & 63) : 0x3d));
    o += 8;
  }
  return String.UTF16.decodeUnsafe(dst, o);
}
