// Gemini clients name the model and the method in the path, not the body:
//   POST …/models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents}
// (https://ai.google.dev/api/generate-content). The model is one path segment; it is checked here,
// once, as strictly as a Gemini backend's path needs (it may be rebuilt into one).
import { OPERATION_COUNT, Operation, geminiMethod } from "../api";
import { isModelSegment } from "../providers/gemini";
const MODELS = "/models/";
/** Longest model segment accepted; Gemini's names are far shorter. */
const MAX_SEGMENT = 128;

/** A Gemini client path read: its operation and model, or why it is refused (a 400 in Gemini's shape). */
export class GeminiPath {
  op: Operation = Operation.GeminiGenerate;
  model: string = "";
  error: string | null = null;
  /** The method is not one llm-mesh serves (404), rather than a bad model (400). */
  unknownMethod: bool = false;
}

/**
 * The Gemini operation of a path (without its query), or null when the path is not one
 * (…/models/NAME:METHOD). A path of that form with an unsafe model or an unknown method is read
 * with an error.
 */
export function readGeminiPath(path: string): GeminiPath | null {
  const colon = path.lastIndexOf(":");
  if (colon < 0) return null;
  const at = path.lastIndexOf(MODELS, colon);
  if (at < 0) return null;
  const segment = path.substring(at + MODELS.length, colon);
  if (segment.indexOf("/") >= 0) return null;
  const out = new GeminiPath();
  const method = path.substring(colon + 1);
  let found = -1;
  const names = new Array<string>();
  for (let op = <i32>Operation.GeminiGenerate; op < OPERATION_COUNT; op++) {
    names.push(geminiMethod(op));
    if (names[names.length - 1] == method) found = op;
  }
  if (found < 0) { out.error = "llm-mesh serves the Gemini methods " + names.join(", ") + "; the path names none of them"; out.unknownMethod = true; return out; }
  out.op = <Operation>found;
  if (segment.length > MAX_SEGMENT || !isModelSegment(segment, true)) { out.error = "the model in the path must be a Gemini model name (1 to 128 letters, digits, '.', '_', '-', ':' and '@')"; return out; }
  out.model = segment;
  return out;
}

/** True when the query string (after '?', without it) asks for SSE: alt=sse. */
export function asksForSse(query: string): bool {
  const params = query.split("&");
  for (let i = 0; i < params.length; i++) if (params[i] == "alt=sse") return true;
  return false;
}
