// What the mock providers share about thinking: the thought they "have", the signatures they issue
// (standard base64 with "+", "/" and padding, so a gateway that re-encodes them is caught) and
// check when a conversation sends them back, and each API's rules for thinking requests.

/** The mock model's thought (Anthropic thinking, Bedrock reasoningText, Gemini thought summary). */
export const MOCK_THOUGHT = "Let me think about which tool to use.";

/** The signature a mock provider issues for a thought or a call: bytes that base64 to "+/+/…=". */
export function mockSignature(provider: string, subject: string): string {
  return Buffer.concat([Buffer.from([0xfb, 0xff, 0xbf]), Buffer.from(`${provider}:${subject}`)]).toString("base64");
}

type AnthropicThinking = { type?: string; budget_tokens?: unknown } | undefined;

/** Claude's thinking modes by generation (platform.claude.com, thinking troubleshooting): budgets up to 4.6, adaptive from 4.6. */
export function claudeGeneration(model: string): { budgets: boolean; adaptive: boolean } {
  const m = /claude-(?:[a-z]+-)?(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  // A name that is no Claude model's (tests route "mesh-model" to the mock): both forms taken.
  if (!m) return { budgets: true, adaptive: true };
  const major = Number(m[1]);
  const minor = m[2] ? Number(m[2]) : 0;
  const version = major + minor / 10;
  return { budgets: version < 4.7, adaptive: version >= 4.6 };
}

/** Anthropic's (and Claude on Bedrock's) rules for a thinking request; undefined when it is valid or has none. */
export function checkAnthropicThinking(model: string, thinking: AnthropicThinking, maxTokens: unknown, temperature: unknown, topK: unknown, topP: unknown, effort?: unknown): string | undefined {
  if (effort !== undefined && !["low", "medium", "high", "xhigh", "max"].includes(effort as string)) return "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'";
  if (thinking === undefined) return undefined;
  const generation = claudeGeneration(model);
  if (thinking.type === "enabled" && !generation.budgets) return `thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior.`;
  if (thinking.type === "adaptive" && !generation.adaptive) return "thinking.type.adaptive is not supported for this model.";
  if (thinking.type === "adaptive" && topP !== undefined) return "`top_p` must be unset when thinking is enabled.";
  if (thinking.type === "disabled" || thinking.type === "adaptive") return thinking.type === "adaptive" ? samplingWithThinking(temperature, topK, topP) : undefined;
  if (thinking.type !== "enabled") return "thinking.type: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'";
  const budget = thinking.budget_tokens;
  if (!Number.isInteger(budget) || (budget as number) < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  if (!Number.isInteger(maxTokens) || (maxTokens as number) <= (budget as number)) return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size";
  return samplingWithThinking(temperature, topK, topP);
}

function samplingWithThinking(temperature: unknown, topK: unknown, topP: unknown): string | undefined {
  if (temperature !== undefined && temperature !== 1) return "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility";
  if (topK !== undefined) return "`top_k` must be unset when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility";
  if (topP !== undefined && ((topP as number) < 0.95 || (topP as number) > 1)) return "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.";
  return undefined;
}

/**
 * With thinking on, the last assistant turn, when it used a tool, must start with the thinking
 * block it was answered with, its signature unchanged (Anthropic and Claude on Bedrock).
 * `first`: that turn's first block as { kind: "thinking" | "redacted" | other, signature }.
 */
export function checkThinkingPassBack(provider: string, lastToolTurnFirst: { kind: string; signature?: string } | undefined): string | undefined {
  if (lastToolTurnFirst === undefined) return undefined;
  if (lastToolTurnFirst.kind === "redacted") return undefined;
  if (lastToolTurnFirst.kind !== "thinking") {
    return `messages: Expected \`thinking\` or \`redacted_thinking\`, but found \`${lastToolTurnFirst.kind}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns.`;
  }
  if (lastToolTurnFirst.signature !== mockSignature(provider, MOCK_THOUGHT)) return "messages: Invalid `signature` in `thinking` block";
  return undefined;
}
