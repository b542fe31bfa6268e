// Google's Gemini API (Generative Language): https://ai.google.dev/api/generate-content — the
// model and the streaming choice are in the path (models/{model}:generateContent, or
// :streamGenerateContent?alt=sse), the key in x-goog-api-key (never in the URL). OpenAI clients are
// translated (translate/openai-to-gemini.ts). The path needs the body, so this provider needs
// requestMode "body".
import { WireApi } from "../translate/translator";
import { Operation, Provider, ProviderSpec, geminiMethod, isGeminiOperation } from "./provider";

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
    const name = bareModel(model);
    if (name.length == 0 || name == "." || name == "..") return "model must name a Gemini model, e.g. gemini-2.5-flash";
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x5f || c == 0x2d;
      if (!ok) return "model must be a Gemini model name (letters, digits, '.', '_' and '-', optionally after models/)";
    }
    return null;
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

/** Gemini names models "models/NAME" in its own responses; clients may send either form. */
function bareModel(model: string): string {
  return model.startsWith("models/") ? model.substring(7) : model;
}

function createGemini(spec: ProviderSpec): Provider { return new GeminiProvider(spec); }

export const GEMINI_SPEC = new ProviderSpec("gemini", "generativelanguage.googleapis.com", 0, "/v1beta", true, createGemini);
