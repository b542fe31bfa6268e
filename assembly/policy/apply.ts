// A route's request policy applied to the client's body, before the body is routed to a backend's
// API: the template first (it makes the request), then the route's messages, then deny rules and
// masks over the prompt text that will be sent. Every refusal is a 400 in the client's API. Bodies
// are read with the scanner and changed by splicing: no tree is built, and text is decoded only
// where a rule reads it.
import { JsonWriter } from "../json/writer";
import { ScanResult, ValueSpan, arrayItemSpans, decodeStringValue, isValidUtf8, scanRequestInto } from "../json/scan";
import { SAME_KEY } from "../json/fold";
import { Edit, applyEdits, jsonString } from "../json/splice";
import { BAD_REQUEST, CONTENT_DENIED, INVALID_JSON, TEMPLATE_UNFILLED } from "../errors";
import { COUNTER, defineMetric, incrementMetric } from "../host";
import { tag } from "../metrics/record";
import { Operation } from "../providers/provider";
import { Reply, RequestState } from "../request/state";
import { RequestPolicy, TextRule } from "./config";
import { fillTemplate } from "./template";

/** The body after the policy: a new one (null: unchanged), or a refusal. */
export class PolicyOutcome {
  body: ArrayBuffer | null = null;
  reply: Reply | null = null;
  static refuse(r: Reply): PolicyOutcome { const o = new PolicyOutcome(); o.reply = r; return o; }
}

export function applyRequestPolicy(policy: RequestPolicy, state: RequestState, original: ArrayBuffer): PolicyOutcome {
  let body = original;
  if (policy.template !== null) {
    const w = new JsonWriter(body.byteLength + 512);
    const problem = fillTemplate(policy.template!, changetype<usize>(body), body.byteLength, state.headers!, w);
    if (problem !== null) return PolicyOutcome.refuse(Reply.error(TEMPLATE_UNFILLED, problem!));
    body = w.toBuffer();
  }
  if (policy.prepend.length > 0 || policy.append.length > 0) {
    const added = addMessages(body, policy, state.operation);
    if (added.reply !== null) return added;
    if (added.body !== null) body = added.body!;
  }
  if (policy.deny.length > 0 || policy.mask.length > 0) {
    const guarded = guard(body, policy, state.route!.name);
    if (guarded.reply !== null) return guarded;
    if (guarded.body !== null) body = guarded.body!;
  }
  const outcome = new PolicyOutcome();
  if (body !== original) outcome.body = body;
  return outcome;
}

/** Top-level fields holding prompt text, in every client API (chat, completions, embeddings, Responses, Anthropic). */
const PROMPT_FIELDS = StaticArray.fromArray<ArrayBuffer>(["messages", "input", "prompt", "system", "instructions"].map<ArrayBuffer>((k) => String.UTF8.encode(k)));
/** In a message or part: where its text is. */
const TEXT_FIELDS = StaticArray.fromArray<ArrayBuffer>(["content", "text"].map<ArrayBuffer>((k) => String.UTF8.encode(k)));

/** Deny rules, then masks, over every prompt text of the body. */
function guard(body: ArrayBuffer, policy: RequestPolicy, route: string): PolicyOutcome {
  const base = changetype<usize>(body);
  const top = scanRequestInto(new ScanResult(PROMPT_FIELDS.length), base, body.byteLength, PROMPT_FIELDS);
  if (top.error !== null) return PolicyOutcome.refuse(Reply.error(INVALID_JSON, top.error!));
  const spans = new Array<ValueSpan>();
  for (let i = 0; i < top.spans.length; i++) {
    const field = top.spans[i];
    if (field.count > 1) return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "duplicate top-level key in request body" + SAME_KEY));
    if (field.count == 1 && !collectText(base, field, spans)) {
      // A message with two "content" members: providers read one, a rule might read the other.
      return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "a message in the request body has a duplicate content or text member" + SAME_KEY));
    }
  }
  const texts = new Array<string>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    // Rules read decoded text: bad UTF-8 would decode otherwise for the provider (json/scan.ts isValidUtf8).
    if (!isValidUtf8(base + <usize>spans[i].start, spans[i].end - spans[i].start)) return PolicyOutcome.refuse(Reply.error(INVALID_JSON, "request body is not valid JSON: invalid UTF-8"));
    texts[i] = decodeStringValue(base, spans[i].start, spans[i].end, spans[i].escaped);
  }
  for (let r = 0; r < policy.deny.length; r++) {
    const rule = policy.deny[r];
    for (let i = 0; i < texts.length; i++) {
      if (!rule.regex.test(texts[i])) continue;
      count(rule, route, "deny");
      return PolicyOutcome.refuse(Reply.error(CONTENT_DENIED, "the request was refused by this route's content policy (rule " + rule.name + ")"));
    }
  }
  let masked = new StaticArray<bool>(texts.length);
  let any = false;
  for (let r = 0; r < policy.mask.length; r++) {
    const rule = policy.mask[r];
    let used = false;
    for (let i = 0; i < texts.length; i++) {
      const text = maskText(rule, texts[i]);
      if (text !== null) { texts[i] = text!; masked[i] = true; used = true; }
    }
    if (used) { count(rule, route, "mask"); any = true; }
  }
  const outcome = new PolicyOutcome();
  if (!any) return outcome;
  const edits = new Array<Edit>();
  for (let i = 0; i < texts.length; i++) if (masked[i]) edits.push(new Edit(spans[i].start, spans[i].end, String.UTF8.encode(jsonString(texts[i]))));
  outcome.body = applyEdits(base, body.byteLength, edits);
  return outcome;
}

/**
 * The prompt text under a field: strings given directly (or in a list), and message and part
 * `content` and `text`. Roles, ids, tool definitions and call arguments are not prompt text.
 * False when an object repeats a text member.
 */
function collectText(base: usize, span: ValueSpan, out: Array<ValueSpan>): bool {
  const first = span.firstByte;
  if (first == 0x22) { out.push(span); return true; }
  if (first == 0x5b) {
    const items = arrayItemSpans(base, span.start, span.end);
    if (items === null) return true; // the scanner validated the body; unreachable
    for (let i = 0; i < items.length; i++) if (!collectText(base, items[i], out)) return false;
    return true;
  }
  if (first != 0x7b) return true;
  const scan = scanRequestInto(new ScanResult(TEXT_FIELDS.length), base + <usize>span.start, span.end - span.start, TEXT_FIELDS);
  for (let i = 0; i < scan.spans.length; i++) {
    const member = scan.spans[i];
    if (member.count > 1) return false;
    if (member.count == 0) continue;
    member.start += span.start; member.end += span.start;
    if (!collectText(base, member, out)) return false;
  }
  return true;
}

const MESSAGES_KEY = 0, INPUT_KEY = 1, SYSTEM_KEY = 2;
const CONVERSATION_FIELDS = StaticArray.fromArray<ArrayBuffer>(["messages", "input", "system"].map<ArrayBuffer>((k) => String.UTF8.encode(k)));

/** Adds the route's messages to the conversation, in the client's API, by splicing the body. */
function addMessages(body: ArrayBuffer, policy: RequestPolicy, op: Operation): PolicyOutcome {
  const outcome = new PolicyOutcome();
  if (op == Operation.Embeddings) return outcome; // nothing is generated: a system prompt has nothing to steer
  if (op == Operation.Completions) return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "this route adds messages to every conversation, and /v1/completions has none; use /v1/chat/completions"));
  const base = changetype<usize>(body);
  const scan = scanRequestInto(new ScanResult(CONVERSATION_FIELDS.length), base, body.byteLength, CONVERSATION_FIELDS);
  if (scan.error !== null) return PolicyOutcome.refuse(Reply.error(INVALID_JSON, scan.error!));
  const responses = op == Operation.Responses;
  const anthropic = op == Operation.Messages || op == Operation.CountTokens;
  const list = scan.spans[responses ? INPUT_KEY : MESSAGES_KEY];
  const field = responses ? "input" : "messages";
  if (list.count != 1 || list.firstByte != 0x5b && !(responses && list.firstByte == 0x22)) return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, field + " must be an array of messages"));
  // Anthropic keeps system text apart: the route's system and developer messages go around the client's system field.
  const before = policy.messagesJson(true, anthropic), after = policy.messagesJson(false, anthropic);
  const edits = new Array<Edit>();
  if (list.firstByte == 0x22) {
    // Responses: input text is one user message.
    const w = new JsonWriter(list.end - list.start + 256);
    w.raw("[").raw(before).raw(before.length > 0 ? "," : "").raw("{\"role\":\"user\",\"content\":").bytes(base + <usize>list.start, list.end - list.start).raw("}");
    w.raw(after.length > 0 ? "," : "").raw(after).raw("]");
    edits.push(new Edit(list.start, list.end, w.toBuffer()));
  } else wrapArray(base, list, before, after, edits);
  if (anthropic) {
    const beforeSystem = policy.systemBlocksJson(true), afterSystem = policy.systemBlocksJson(false);
    const system = scan.spans[SYSTEM_KEY];
    if (beforeSystem.length > 0 || afterSystem.length > 0) {
      if (system.count == 0) {
        const blocks = beforeSystem + (beforeSystem.length > 0 && afterSystem.length > 0 ? "," : "") + afterSystem;
        edits.push(new Edit(scan.closeBrace, scan.closeBrace, String.UTF8.encode((scan.memberCount > 0 ? "," : "") + "\"system\":[" + blocks + "]")));
      } else if (system.firstByte == 0x22) {
        const w = new JsonWriter(system.end - system.start + 256);
        w.raw("[").raw(beforeSystem).raw(beforeSystem.length > 0 ? "," : "").raw("{\"type\":\"text\",\"text\":").bytes(base + <usize>system.start, system.end - system.start).raw("}");
        w.raw(afterSystem.length > 0 ? "," : "").raw(afterSystem).raw("]");
        edits.push(new Edit(system.start, system.end, w.toBuffer()));
      } else if (system.firstByte == 0x5b) wrapArray(base, system, beforeSystem, afterSystem, edits);
      else return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "system must be text or an array of text blocks"));
    }
  }
  if (edits.length > 0) outcome.body = applyEdits(base, body.byteLength, edits);
  return outcome;
}

/** Edits that put JSON items before and after an array's own. */
function wrapArray(base: usize, array: ValueSpan, before: string, after: string, edits: Array<Edit>): void {
  const items = arrayItemSpans(base, array.start, array.end);
  const empty = items === null || items.length == 0;
  if (before.length > 0) edits.push(new Edit(array.start + 1, array.start + 1, String.UTF8.encode(before + (empty && after.length == 0 ? "" : ","))));
  if (after.length > 0) edits.push(new Edit(array.end - 1, array.end - 1, String.UTF8.encode((empty && before.length == 0 ? "" : ",") + after)));
}

/** The text with each match replaced, or null when nothing matched. */
function maskText(rule: TextRule, text: string): string | null {
  // Most texts hold nothing to mask: the DFA says so in one pass; positions need the slower VM.
  if (!rule.regex.test(text)) return null;
  let out = "";
  let kept = 0, from = 0, changed = false;
  const regex = rule.regex;
  while (from < text.length) {
    const start = regex.search(text, from);
    if (start < 0) break;
    const end = regex.matchEnd;
    from = end > start ? end : start + 1;
    if (rule.luhn && !passesLuhn(text, start, end)) { from = start + 1; continue; }
    out += text.substring(kept, start) + rule.replacement;
    kept = end;
    changed = true;
  }
  return changed ? out + text.substring(kept) : null;
}

/** The Luhn check over the digits of text[start, end) (card numbers carry it; most digit runs do not). */
function passesLuhn(text: string, start: i32, end: i32): bool {
  let sum = 0, double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) continue;
    let digit = c - 0x30;
    if (double) { digit *= 2; if (digit > 9) digit -= 9; }
    sum += digit;
    double = !double;
  }
  return sum % 10 == 0;
}

/** Counts a decision (Prometheus: llm_mesh_policy_decisions_total{llm_mesh_route, llm_mesh_rule, llm_mesh_action}). */
function count(rule: TextRule, route: string, action: string): void {
  if (rule.counter == 0) rule.counter = defineMetric(COUNTER, tag("llm_mesh_route", route) + tag("llm_mesh_rule", rule.name) + tag("llm_mesh_action", action) + "llm_mesh.policy.decisions.total");
  incrementMetric(rule.counter, 1);
}
