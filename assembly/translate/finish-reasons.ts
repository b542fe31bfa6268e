// Why an answer ended, between OpenAI chat's finish_reason and each other API's own word for it:
// one table per direction, read by the translators on both sides of a pair.

/** Pairs (the word read, the word written); `otherwise` for any word no pair names, `none` for none. */
export class FinishTable {
  constructor(private pairs: string[], private otherwise: string, private none: string) {}

  of(reason: string | null): string {
    if (reason === null) return this.none;
    for (let i = 0; i + 1 < this.pairs.length; i += 2) if (this.pairs[i] == reason!) return this.pairs[i + 1];
    return this.otherwise;
  }
}

/** Anthropic's stop_reason as a finish_reason (end_turn, stop_sequence and pause_turn are stop). */
export const FROM_ANTHROPIC = new FinishTable(["max_tokens", "length", "model_context_window_exceeded", "length", "tool_use", "tool_calls", "refusal", "content_filter"], "stop", "stop");

/** Converse's stopReason as a finish_reason (end_turn and stop_sequence are stop). */
export const FROM_CONVERSE = new FinishTable(["tool_use", "tool_calls", "max_tokens", "length", "model_context_window_exceeded", "length", "guardrail_intervened", "content_filter", "content_filtered", "content_filter"], "stop", "stop");

/** Gemini's finishReason as a finish_reason (STOP, OTHER, MALFORMED_FUNCTION_CALL, LANGUAGE… are stop); a call ends as STOP in Gemini, so the translator says tool_calls itself. */
export const FROM_GEMINI = new FinishTable(["MAX_TOKENS", "length", "SAFETY", "content_filter", "RECITATION", "content_filter", "BLOCKLIST", "content_filter", "PROHIBITED_CONTENT", "content_filter", "SPII", "content_filter", "IMAGE_SAFETY", "content_filter"], "stop", "stop");

/** A finish_reason as Anthropic's stop_reason. */
export const TO_ANTHROPIC = new FinishTable(["length", "max_tokens", "tool_calls", "tool_use", "function_call", "tool_use", "content_filter", "refusal"], "end_turn", "end_turn");

/** A finish_reason as Gemini's finishReason (a function call ends as STOP in Gemini). */
export const TO_GEMINI = new FinishTable(["length", "MAX_TOKENS", "content_filter", "SAFETY", "stop", "STOP", "tool_calls", "STOP", "function_call", "STOP"], "OTHER", "FINISH_REASON_UNSPECIFIED");
