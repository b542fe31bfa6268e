// Reading an OpenAI Chat Completions answer or stream chunk, for the translators whose backend speaks
// chat (anthropic-to-openai.ts, gemini-to-openai.ts, responses-to-chat.ts): each writes its own client's shape.
import { JsonKind, JsonValue } from "../json/parse";
import { arrayAt, member, stringAt } from "../json/members";

/** The answer's or chunk's first choice (llm-mesh asks for one); null when it has none. */
export function firstChoice(answer: JsonValue): JsonValue | null {
  const choices = arrayAt(answer, "choices");
  return choices !== null && choices.items.length > 0 ? choices.items[0] : null;
}

/**
 * What a chunk's non-null `error` member says (its message, or that the provider reported an error),
 * or null when it carries none: the stream ends with it.
 */
export function chunkError(chunk: JsonValue): string | null {
  const error = member(chunk, "error");
  if (error === null || error.kind == JsonKind.Null) return null;
  const message = error.kind == JsonKind.Object ? stringAt(error, "message") : null;
  return message !== null ? message! : "the provider reported an error mid-stream";
}
