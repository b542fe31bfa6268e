// Google's Gemini API (Generative Language): https://ai.google.dev/api/generate-content — the
// model and the streaming choice are in the path (models/{model}:generateContent, or
// :streamGenerateContent?alt=sse), the key in x-goog-api-key (never in the URL). OpenAI clients are
// translated (translate/openai-to-gemini.ts). The path needs the body, so this provider needs
// requestMode "body".
import { Provider, ProviderSpec } from "./provider";
import { Operation, geminiMethod, isGeminiOperation, WireApi } from "../api";
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { isValidUtf8 } from "../json/utf8";

export class GeminiProvider extends Provider {
  api(): WireApi { return WireApi.Gemini; }

  supports(op: Operation): bool { return op == Operation.ChatCompletions || op == Operation.Embeddings || op == Operation.Responses || op == Operation.Messages || isGeminiOperation(op); }

  pathFromBody(): bool { return true; }

  upstreamPath(op: Operation, fixedModel: string | null): string {
    // A placeholder until the body is read; body mode always replaces it.
    return this.basePath + "/models/" + (fixedModel !== null ? fixedModel! : "-") + ":generateContent";
  }

  /** The model is one path segment: letters, digits, '.', '_', '-' (a '/' or ':' could reach another endpoint with the mesh's key). */
  refuseModel(model: string): string | null {
    return isModelSegment(bareModel(model), false) ? null : "model must be a Gemini model name, e.g. gemini-2.5-flash (letters, digits, '.', '_' and '-', optionally after models/)";
  }

  bodyTimePath(op: Operation, model: string, stream: bool): string {
    // A Gemini client's own method (its stream always as SSE); an OpenAI client's by operation and stream flag.
    const method = isGeminiOperation(op) ? ":" + geminiMethod(op) + (op == Operation.GeminiStream ? "?alt=sse" : "")
      : op == Operation.Embeddings ? ":batchEmbedContents" : stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
    return this.basePath + "/models/" + bareModel(model) + method;
  }

  authHeaderName(): string { return "x-goog-api-key"; }
  authHeaderValue(key: string): string { return key; }
}

/**
 * One path segment that cannot walk or leave the path: letters, digits, '.', '_', '-', not "." or
 * "..". `wider` also takes ':' and '@' (a client's path names other backends' models: Bedrock's ids
 * end in ":0", Vertex AI's Claude versions follow '@'; the method follows the last ':').
 */
export function isModelSegment(s: string, wider: bool): bool {
  if (s.length == 0 || s == "." || s == "..") return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x5f || c == 0x2d || wider && (c == 0x3a || c == 0x40);
    if (!ok) return false;
  }
  return true;
}

/** countTokens' inner request, in both spellings. */
const INNER_REQUEST = ["generateContentRequest", "generate_content_request"];

/**
 * batchEmbedContents and countTokens name the model in the body too (requests[].model,
 * generateContentRequest.model), and Gemini refuses one that is not the path's: when the route
 * changed the model, the ones present are renamed (the body is written anew). Null: nothing to rename.
 */
export function renameBodyModels(body: ArrayBuffer, model: string): ArrayBuffer | null {
  if (!isValidUtf8(changetype<usize>(body), body.byteLength)) return null;
  const parsed = parseJson(String.UTF8.decode(body));
  if (parsed.value === null || parsed.value!.kind != JsonKind.Object) return null;
  const root = parsed.value!;
  const name = JsonValue.of(JsonKind.String);
  name.text = "models/" + bareModel(model);
  let renamed = false;
  const requests = root.get("requests");
  if (requests !== null && requests.kind == JsonKind.Array) for (let i = 0; i < requests.items.length; i++) renamed = setModel(requests.items[i], name) || renamed;
  // Both spellings: Google's parser reads the proto's snake_case names too.
  for (let i = 0; i < INNER_REQUEST.length; i++) {
    const inner = root.get(INNER_REQUEST[i]);
    if (inner !== null) renamed = setModel(inner, name) || renamed;
  }
  if (!renamed) return null;
  const w = new JsonWriter(body.byteLength + 64);
  w.value(root);
  return w.toBuffer();
}

function setModel(v: JsonValue, name: JsonValue): bool {
  if (v.kind != JsonKind.Object) return false;
  const at = v.keys.indexOf("model");
  if (at < 0) return false;
  v.items[at] = name;
  return true;
}

/** Gemini names models "models/NAME" in its own responses; clients may send either form. */
function bareModel(model: string): string {
  return model.startsWith("models/") ? model.substring(7) : model;
}

export function createGemini(spec: ProviderSpec): Provider { return new GeminiProvider(spec); }

