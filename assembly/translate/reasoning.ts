// Thinking and reasoning across APIs, written once: how much a client asked a model to think, as
// each API says it, and where the model's thoughts and signatures ride between them.
//
//   effort    budget (tokens)   Anthropic thinking          Gemini 2.5 thinkingBudget   Gemini 3 thinkingLevel
//   none      0                 (left out: no thinking)     (left out: model default)   (left out)
//   minimal   512               enabled, 1024 (its floor)   512                         low
//   low       1024              enabled, 1024               1024                        low
//   medium    8192              enabled, 8192               8192                        high
//   high      24576             enabled, 24576              24576                       high
//   xhigh     32768             enabled, 32768              32768                       high
//   max       65536             enabled, 65536              32768 (2.5 Pro's ceiling)   high
//
// A budget becomes the largest effort whose budget it reaches (1..511: minimal). Adaptive
// thinking (Anthropic's {type: "adaptive"} with output_config.effort, default high) is the
// effort for APIs that take one, dynamic thinking (-1) for Gemini 2.5, and the effort's budget
// for Bedrock. Anthropic and Bedrock-Claude need max_tokens > budget_tokens >= 1024: the budget
// is lowered to max_tokens - 1, and thinking is left out when that is under 1024; with no
// max_tokens, it is the budget plus the route's default. Thinking there refuses temperature and
// top_k and takes top_p only in [0.95, 1]: those are dropped.
//
// The OpenAI-chat hub (composed translators) carries, beside the standard reasoning_effort:
//   request:  reasoning_budget (integer tokens, -1 adaptive), only between composed translators;
//   messages and deltas: reasoning_content, reasoning_signature, reasoning_redacted;
//   tool calls: extra_content.google.thought_signature (Google's OpenAI-compatibility field).
// Every client also gets it inside the call id (withSignature), which clients send back unchanged
// with the call and its result: Anthropic and Responses have no field beside a call for it, and the
// openai SDK's runTools rebuilds assistant messages from a fixed list of fields (no extra_content).
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { member, numberAt, objectAt, stringAt } from "../json/members";
import { sha256, toHex } from "../crypto/sha256";

export const EFFORTS: StaticArray<string> = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
const BUDGETS: StaticArray<i32> = [0, 512, 1024, 8192, 24576, 32768, 65536];
/** Anthropic's smallest budget_tokens. */
export const MIN_ANTHROPIC_BUDGET: i32 = 1024;
/** The largest thinkingBudget a Gemini 2.5 model takes (2.5 Pro's; Flash's is 24576). */
const MAX_GEMINI_BUDGET: i32 = 32768;
/** reasoning_budget's value for adaptive (dynamic) thinking. */
export const ADAPTIVE: i32 = -1;

/** The effort's index in EFFORTS, or -1 when it is not one. */
export function effortIndex(effort: string): i32 {
  for (let i = 0; i < EFFORTS.length; i++) if (EFFORTS[i] == effort) return i;
  return -1;
}

/** The thinking budget of an effort level (an index in EFFORTS). */
export function budgetOf(effort: i32): i32 { return BUDGETS[effort]; }

/** The effort level (an index in EFFORTS) a budget reaches. */
export function effortOfBudget(budget: i64): i32 {
  if (budget <= 0) return 0;
  let e = 1;
  for (let i = 1; i < BUDGETS.length; i++) if (budget >= <i64>BUDGETS[i]) e = i;
  return e;
}

/** What a request asked of the model's thinking. */
export class Reasoning {
  /** Index in EFFORTS; -1: the request said nothing (the model's default). */
  effort: i32 = -1;
  /** Exact token budget when the client gave one; ADAPTIVE; 0 when only an effort was given. */
  budget: i32 = 0;

  get on(): bool { return this.effort > 0; }
  /** The budget to send an API that takes one. */
  get tokens(): i32 { return this.budget > 0 ? this.budget : budgetOf(this.effort); }
}

/** Anthropic's thinking and output_config.effort; an error message, or null. */
export function readAnthropicThinking(body: JsonValue, into: Reasoning): string | null {
  const config = objectAt(body, "output_config");
  const effortText = config !== null ? stringAt(config!, "effort") : null;
  let effort = effortText !== null ? effortIndex(effortText!) : -1;
  if (effortText !== null && (effort < 2)) return "output_config.effort: must be low, medium, high, xhigh or max";
  const thinking = objectAt(body, "thinking");
  const type = thinking !== null ? stringAt(thinking!, "type") : null;
  if (type === null) { into.effort = effort; return null; }
  if (type! == "disabled") { into.effort = 0; return null; }
  if (type! == "enabled") {
    const budget = numberAt(thinking!, "budget_tokens");
    if (budget === null || !budget.isInteger() || budget.numberValue < 1024) return "thinking.budget_tokens: must be an integer >= 1024";
    into.budget = budget.numberValue > 1e9 ? 1000000000 : <i32>budget.numberValue;
    into.effort = effort >= 0 ? effort : effortOfBudget(into.budget);
    return null;
  }
  if (type! == "adaptive") { into.effort = effort >= 0 ? effort : effortIndex("high"); into.budget = ADAPTIVE; return null; }
  return "thinking.type: must be enabled, adaptive or disabled";
}

/** OpenAI chat's reasoning_effort (and the hub's reasoning_budget); an error message, or null. */
export function readChatReasoning(body: JsonValue, into: Reasoning): string | null {
  const effort = member(body, "reasoning_effort");
  if (effort !== null && effort.kind != JsonKind.Null) {
    const text = stringAt(body, "reasoning_effort");
    into.effort = text !== null ? effortIndex(text!) : -1;
    if (into.effort < 0) return "reasoning_effort: must be none, minimal, low, medium, high, xhigh or max";
  }
  const budget = numberAt(body, "reasoning_budget");
  if (budget !== null && budget.isInteger() && (budget.numberValue == -1 || (budget.numberValue > 0 && budget.numberValue <= 1e9))) into.budget = <i32>budget.numberValue;
  return null;
}

/**
 * Whether an OpenAI-shaped backend's model takes reasoning_effort: OpenAI's reasoning models
 * (o-series, gpt-5, codex) and the open ones OpenAI-compatible vendors serve with it (gpt-oss,
 * Qwen3, DeepSeek R1). Others refuse the field with a 400 (gpt-4o: "Unsupported parameter"), and
 * Claude Code sends thinking even for models it does not know: it is left out for them.
 */
export function takesReasoningEffort(model: string): bool {
  const m = model.toLowerCase();
  const name = m.includes("/") ? m.substring(m.lastIndexOf("/") + 1) : m;
  if (name.length >= 2 && name.charCodeAt(0) == 0x6f && isDigit(name.charCodeAt(1))) return true; // o1, o3, o4-mini
  return name.startsWith("gpt-5") || name.startsWith("codex") || name.startsWith("gpt-oss") || name.startsWith("qwen3")
    || name.startsWith("deepseek-r") || name.startsWith("deepseek-reasoner");
}

/** Writes the hub's request fields: reasoning_effort (toward a direct backend, only one whose model takes it), reasoning_budget only between composed translators. */
export function writeChatReasoning(r: Reasoning, w: JsonWriter, hub: bool, model: string): void {
  if (r.effort < 0 || (!hub && !takesReasoningEffort(model))) return;
  w.key("reasoning_effort").string(EFFORTS[r.effort]);
  if (hub && r.effort > 0 && r.budget != 0) w.key("reasoning_budget").number(r.budget);
}

/** A budget an Anthropic-shaped API takes beside max_tokens: 0 when thinking cannot fit. */
export function anthropicBudget(r: Reasoning, maxTokens: i64): i32 {
  let budget = max<i32>(r.tokens, MIN_ANTHROPIC_BUDGET);
  if (maxTokens > 0 && <i64>budget >= maxTokens) budget = <i32>min<i64>(maxTokens - 1, 1000000000);
  return budget >= MIN_ANTHROPIC_BUDGET ? budget : 0;
}

/**
 * How a Claude model takes thinking, by its generation in the model id (Anthropic's, Bedrock's
 * "anthropic.claude-…", Vertex's): up to 4.5 only {type: "enabled", budget_tokens}; 4.6 both
 * (budgets deprecated); Opus 4.7 and generation 5 only {type: "adaptive"} with output_config.effort
 * (a budget is a 400 there).
 */
export enum ClaudeThinking { Budget, Both, AdaptiveOnly }

export function claudeThinkingOf(model: string): ClaudeThinking {
  const at = model.indexOf("claude-");
  if (at < 0) return ClaudeThinking.Budget;
  // The first number after "claude-" (claude-opus-4-7, claude-3-7-sonnet, claude-sonnet-5) and the one after it.
  let i = at + 7;
  while (i < model.length && !isDigit(model.charCodeAt(i))) i++;
  let major = 0;
  while (i < model.length && isDigit(model.charCodeAt(i))) { major = major * 10 + (model.charCodeAt(i) - 0x30); i++; if (major > 1000) break; }
  let minor = 0;
  // A minor version is one or two digits (a date such as -20250929 is not one).
  if (i + 1 < model.length && model.charCodeAt(i) == 0x2d && isDigit(model.charCodeAt(i + 1)) && (i + 2 >= model.length || !isDigit(model.charCodeAt(i + 2)) || i + 3 >= model.length || !isDigit(model.charCodeAt(i + 3)))) {
    minor = model.charCodeAt(i + 1) - 0x30;
    if (i + 2 < model.length && isDigit(model.charCodeAt(i + 2))) minor = minor * 10 + (model.charCodeAt(i + 2) - 0x30);
  }
  if (major >= 5 || (major == 4 && minor >= 7)) return ClaudeThinking.AdaptiveOnly;
  if (major == 4 && minor == 6) return ClaudeThinking.Both;
  return ClaudeThinking.Budget;
}

function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }

/** What an Anthropic-shaped backend (Anthropic, Claude on Bedrock or Vertex) gets for a request's reasoning. */
export class ClaudeThinkingPlan {
  /** budget_tokens for {type: "enabled"}; 0 with adaptive or without thinking. */
  budget: i32 = 0;
  adaptive: bool = false;
  /** output_config.effort with adaptive thinking. */
  effort: string = "";
  get on(): bool { return this.budget > 0 || this.adaptive; }
}

/**
 * The thinking a Claude model takes for `r` (see claudeThinkingOf): an exact budget where the
 * model takes budgets, else adaptive with the effort (low at least: Anthropic has no minimal).
 */
export function claudeThinking(r: Reasoning, model: string, maxTokens: i64): ClaudeThinkingPlan {
  const plan = new ClaudeThinkingPlan();
  if (!r.on) return plan;
  const kind = claudeThinkingOf(model);
  const exact = r.budget > 0;
  if (kind == ClaudeThinking.AdaptiveOnly || (kind == ClaudeThinking.Both && !exact)) {
    plan.adaptive = true;
    plan.effort = EFFORTS[max<i32>(r.effort, 2)];
    return plan;
  }
  plan.budget = anthropicBudget(r, maxTokens);
  return plan;
}

/** Writes a plan's thinking object. */
export function writeClaudeThinking(plan: ClaudeThinkingPlan, w: JsonWriter): void {
  if (plan.adaptive) w.key("thinking").object().key("type").string("adaptive").endObject();
  else if (plan.budget > 0) w.key("thinking").object().key("type").string("enabled").key("budget_tokens").number(plan.budget).endObject();
}

/** Gemini's thinkingConfig for a model; nothing when the request said nothing or "none". */
export function writeGeminiThinking(r: Reasoning, model: string, w: JsonWriter): void {
  if (!r.on) return;
  w.key("thinkingConfig").object().key("includeThoughts").boolean(true);
  // Gemini 3 takes a level (thinkingBudget still works there but is the legacy knob).
  if (model.includes("gemini-3")) w.key("thinkingLevel").string(r.effort <= 2 ? "low" : "high");
  else w.key("thinkingBudget").number(r.budget == ADAPTIVE ? -1 : min<i32>(r.tokens, MAX_GEMINI_BUDGET));
  w.endObject();
}

/** Gemini's thinkingConfig as the hub's reasoning fields (for Gemini-native clients). */
export function readGeminiThinking(config: JsonValue, into: Reasoning): void {
  const level = stringAt(config, "thinkingLevel");
  const budget = numberAt(config, "thinkingBudget");
  if (level !== null) into.effort = level! == "minimal" ? 1 : level! == "low" ? 2 : level! == "medium" ? 3 : 4;
  else if (budget !== null && budget.isInteger()) {
    if (budget.numberValue == -1) { into.effort = 4; into.budget = ADAPTIVE; }
    else { into.budget = <i32>min<f64>(budget.numberValue, 1e9); into.effort = effortOfBudget(into.budget); }
  }
}

// Thought signatures inside call ids: "<id>__ts_<signature, base64url>".
const MARK = "__ts_";

/** A call id that carries a Gemini thought signature (standard base64); the id alone when it is not base64 or carries one already. */
export function withSignature(id: string, signature: string): string {
  if (id.includes(MARK)) return id;
  const text = mapBase64(signature, 0x2b, 0x2d, 0x2f, 0x5f, false);
  return text !== null ? id + MARK + text! : id;
}

/**
 * A call id fit for a backend other than Gemini: one that carries a thought signature becomes its
 * own first 20 characters and 16 hex digits of the whole id's SHA-256. The same id always maps the
 * same way, so a call and its result still match, and two turns' `call_0` stay apart; at most 37
 * characters, inside OpenAI's 40 and Bedrock's 64 (a signature is often kilobytes).
 */
export function portableCallId(id: string): string {
  const at = id.indexOf(MARK);
  if (at < 0) return id;
  const bytes = String.UTF8.encode(id);
  return id.substring(0, min(at, 20)) + "_" + toHex(sha256(changetype<usize>(bytes), bytes.byteLength)).substring(0, 16);
}

/** The signature a call id carries (withSignature), or null. */
export function signatureIn(id: string): string | null {
  const at = id.indexOf(MARK);
  if (at < 0 || at + MARK.length >= id.length) return null;
  return mapBase64(id.substring(at + MARK.length), 0x2d, 0x2b, 0x5f, 0x2f, true);
}

/**
 * Base64 text with its two symbols swapped (`a` -> `a2`, `b` -> `b2`), padding dropped (to the id
 * form) or restored; null when a byte is none of base64's. One pass over the bytes.
 */
function mapBase64(text: string, a: u8, a2: u8, b: u8, b2: u8, pad: bool): string | null {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text));
  const out = new Uint8Array(bytes.length + 3);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c == a) out[n++] = a2;
    else if (c == b) out[n++] = b2;
    else if (c == 0x3d && !pad) continue;
    else if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) out[n++] = c;
    else return null;
  }
  if (pad) while (n % 4 != 0) out[n++] = 0x3d;
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>n);
}

/** A hub tool call's Gemini thought signature: extra_content.google.thought_signature, else one in its id. */
export function callSignature(call: JsonValue): string | null {
  const signature = extraSignature(call);
  if (signature !== null) return signature;
  const id = stringAt(call, "id");
  return id !== null ? signatureIn(id!) : null;
}

/** extra_content.google.thought_signature of a tool call, or null. */
export function extraSignature(call: JsonValue): string | null {
  const extra = objectAt(call, "extra_content");
  const google = extra !== null ? objectAt(extra!, "google") : null;
  return google !== null ? stringAt(google!, "thought_signature") : null;
}

/** A hub tool call's id for a client that keeps no field beside it: the signature inside (withSignature). */
export function clientCallId(call: JsonValue, id: string): string {
  const signature = extraSignature(call);
  return signature !== null ? withSignature(id, signature!) : id;
}

/** Writes a tool call's extra_content holding a Gemini thought signature. */
export function writeCallSignature(w: JsonWriter, signature: string): void {
  w.key("extra_content").object().key("google").object().key("thought_signature").string(signature).endObject().endObject();
}

/**
 * Whether thinking can stay on for Anthropic or Claude on Bedrock: they refuse a request whose
 * last assistant turn used a tool without the thinking block it was answered with (the openai
 * SDK's runTools, for one, rebuilds assistant messages without reasoning fields). Thinking is
 * left out of such a request rather than refused; the model thinks again on the next turn.
 */
export function thinkingFits(messages: JsonValue | null): bool {
  if (messages === null) return true;
  for (let i = messages.items.length - 1; i >= 0; i--) {
    const m = messages.items[i];
    const role = stringAt(m, "role");
    if (role === null || role! != "assistant") continue;
    const calls = member(m, "tool_calls");
    if (calls === null || calls.kind != JsonKind.Array || calls.items.length == 0) return true;
    const signature = stringAt(m, "reasoning_signature");
    return (signature !== null && signature!.length > 0) || stringAt(m, "reasoning_redacted") !== null;
  }
  return true;
}

/** A hub message's (or delta's) reasoning fields. */
export class Thought {
  text: string | null = null;
  signature: string | null = null;
  redacted: string | null = null;
  get present(): bool { return this.text !== null || this.signature !== null || this.redacted !== null; }
}

/** Reads reasoning_content, reasoning_signature and reasoning_redacted. */
export function readThought(m: JsonValue): Thought {
  const t = new Thought();
  t.text = stringAt(m, "reasoning_content");
  t.signature = stringAt(m, "reasoning_signature");
  t.redacted = stringAt(m, "reasoning_redacted");
  return t;
}

/** Writes the hub's reasoning fields that are set. */
export function writeThought(w: JsonWriter, t: Thought): void {
  if (t.text !== null) w.key("reasoning_content").string(t.text!);
  if (t.signature !== null) w.key("reasoning_signature").string(t.signature!);
  if (t.redacted !== null) w.key("reasoning_redacted").string(t.redacted!);
}

/**
 * Anthropic's thinking and redacted_thinking blocks of a content array as the hub's fields: their
 * texts joined, the first signature and the first redacted data (one thought per message: the
 * hub has no place for more, and a second block's signature cannot ride with the joined text).
 */
export function readAnthropicThought(content: JsonValue): Thought {
  const t = new Thought();
  const texts = new Array<string>();
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    if (type === null) continue;
    if (type! == "thinking") {
      const text = stringAt(block, "thinking");
      if (text !== null) texts.push(text!);
      if (t.signature === null) t.signature = stringAt(block, "signature");
    } else if (type! == "redacted_thinking" && t.redacted === null) t.redacted = stringAt(block, "data");
  }
  if (texts.length > 0) t.text = texts.join("");
  return t;
}

/** Whether Anthropic (or Claude on Bedrock) takes a thought back: it checks the signature, so one without is left out. */
export function isSigned(t: Thought): bool { return t.signature !== null && t.signature!.length > 0; }

/** A thought as Anthropic blocks: thinking (signature "" when the backend gave none), then redacted_thinking. */
export function writeAnthropicThought(w: JsonWriter, t: Thought): void {
  if (t.text !== null || t.signature !== null) {
    w.object().key("type").string("thinking").key("thinking").string(t.text !== null ? t.text! : "").key("signature").string(t.signature !== null ? t.signature! : "").endObject();
  }
  if (t.redacted !== null) w.object().key("type").string("redacted_thinking").key("data").string(t.redacted!).endObject();
}
