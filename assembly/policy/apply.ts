// A route's request policy applied to the client's body, before the body is routed to a backend's
// API: the template first (it makes the request), then the route's messages, then deny rules and
// masks over the text the model will read (model-text.ts says which), matched in its normalized
// view (safety/normalize.ts), one message at a time. Every refusal is a 400 in the client's API.
// Bodies are read with the scanner and changed by splicing: no tree is built, and text is decoded
// only where a rule reads it.
import { JsonWriter } from "../json/writer";
import { ScanResult, ValueSpan, arrayItemSpans, decodeStringValue, scanRequestInto } from "../json/scan";
import { isValidUtf8 } from "../json/utf8";
import { Edit, applyEdits, jsonString } from "../json/splice";
import { BAD_REQUEST, CONTENT_DENIED, INVALID_JSON, TEMPLATE_UNFILLED, Reply } from "../errors";
import { COUNTER, defineMetric, incrementMetric } from "../host";
import { tag } from "../metrics/record";
import { Operation } from "../api";
import { HeaderSnapshot } from "../headers";
import { RequestPolicy, TextRule } from "./config";
import { fillTemplate } from "./template";
import { DENY, MASK, readModelText } from "./model-text";
import { NormalView } from "../safety/normalize";

/** The body after the policy: a new one (null: unchanged), or a refusal. */
export class PolicyOutcome {
  body: ArrayBuffer | null = null;
  reply: Reply | null = null;
  static refuse(r: Reply): PolicyOutcome { const o = new PolicyOutcome(); o.reply = r; return o; }
}

/** The route's request policy on a client body of `operation`: template (filled from `headers`), added messages, content rules. */
export function applyRequestPolicy(policy: RequestPolicy, headers: HeaderSnapshot | null, operation: Operation, routeName: string, original: ArrayBuffer): PolicyOutcome {
  let body = original;
  if (policy.template !== null) {
    const w = new JsonWriter(body.byteLength + 512);
    const problem = fillTemplate(policy.template!, changetype<usize>(body), body.byteLength, headers!, w);
    if (problem !== null) return PolicyOutcome.refuse(Reply.error(TEMPLATE_UNFILLED, problem!));
    body = w.toBuffer();
  }
  if (policy.prepend.length > 0 || policy.append.length > 0) {
    const added = addMessages(body, policy, operation);
    if (added.reply !== null) return added;
    if (added.body !== null) body = added.body!;
  }
  if (policy.deny.length > 0 || policy.mask.length > 0) {
    const guarded = guard(body, policy, routeName, operation);
    VIEW.release();
    if (guarded.reply !== null) return guarded;
    if (guarded.body !== null) body = guarded.body!;
  }
  const outcome = new PolicyOutcome();
  if (body !== original) outcome.body = body;
  return outcome;
}

/** Deny rules, then masks, over the normalized text of each message the model would read. */
function guard(body: ArrayBuffer, policy: RequestPolicy, route: string, op: Operation): PolicyOutcome {
  const base = changetype<usize>(body);
  const model = readModelText(base, body.byteLength, op);
  if (model.error !== null) return PolicyOutcome.refuse(Reply.error(model.invalidJson ? INVALID_JSON : BAD_REQUEST, model.error!));
  if (policy.deny.length > 0 && model.unreadable !== null) {
    return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "this route's content policy cannot check " + model.unreadable! + ", which the model would read; send it as text"));
  }
  const groups = model.groups;
  const parts = new Array<string[]>(groups.length);
  const views = new Array<string>(groups.length);
  for (let g = 0; g < groups.length; g++) {
    const spans = groups[g].spans;
    const texts = new Array<string>(spans.length);
    for (let i = 0; i < spans.length; i++) {
      // Rules read decoded text: bad UTF-8 would decode otherwise for the provider (json/utf8.ts).
      if (!isValidUtf8(base + <usize>spans[i].start, spans[i].end - spans[i].start)) return PolicyOutcome.refuse(Reply.error(INVALID_JSON, "request body is not valid JSON: invalid UTF-8"));
      texts[i] = decodeStringValue(base, spans[i].start, spans[i].end, spans[i].escaped);
    }
    parts[g] = texts;
    views[g] = spans.length > 0 ? VIEW.build(texts, false) : "";
  }
  for (let r = 0; r < policy.deny.length; r++) {
    const rule = policy.deny[r];
    for (let g = 0; g < groups.length; g++) {
      if ((groups[g].reads & DENY) == 0 || groups[g].spans.length == 0 || !rule.regex.test(views[g])) continue;
      count(rule, route, "deny");
      return PolicyOutcome.refuse(Reply.error(CONTENT_DENIED, "the request was refused by this route's content policy (rule " + rule.name + ")"));
    }
  }
  const outcome = new PolicyOutcome();
  if (policy.mask.length == 0) return outcome;
  const dirty = new Array<StaticArray<bool> | null>(groups.length);
  let any = false;
  for (let r = 0; r < policy.mask.length; r++) {
    const rule = policy.mask[r];
    let used = false;
    for (let g = 0; g < groups.length; g++) {
      if ((groups[g].reads & MASK) == 0 || groups[g].spans.length == 0) continue;
      // Most texts hold nothing to mask: the DFA says so in one pass; positions need the slower VM.
      if (!rule.regex.test(views[g])) continue;
      if (dirty[g] === null) dirty[g] = new StaticArray<bool>(parts[g].length);
      if (!maskGroup(rule, parts[g], dirty[g]!)) continue;
      views[g] = VIEW.build(parts[g], false);
      used = true;
    }
    if (used) { count(rule, route, "mask"); any = true; }
  }
  if (!any) return outcome;
  const edits = new Array<Edit>();
  for (let g = 0; g < groups.length; g++) {
    const changed = dirty[g];
    if (changed === null) continue;
    for (let i = 0; i < changed.length; i++) if (changed[i]) edits.push(new Edit(groups[g].spans[i].start, groups[g].spans[i].end, String.UTF8.encode(jsonString(parts[g][i]))));
  }
  // applyEdits sorts by insertion: give it document order.
  edits.sort((a: Edit, b: Edit): i32 => a.start - b.start);
  outcome.body = applyEdits(base, body.byteLength, edits);
  return outcome;
}

/** The one normalized view the policy builds at a time (a VM serves one request at a time). */
const VIEW = new NormalView();

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

/**
 * Replaces each match of `rule` in the group's normalized text by its replacement in the original
 * parts (the part where the match starts gets the replacement; the rest of a match that runs on
 * into later parts is removed from them). Marks the parts it changed; false when none.
 */
function maskGroup(rule: TextRule, parts: string[], dirty: StaticArray<bool>): bool {
  const view = VIEW;
  const text = view.build(parts, true);
  const regex = rule.regex;
  const found = new Array<i32>();
  let from = 0;
  while (from < text.length) {
    const start = regex.search(text, from);
    if (start < 0) break;
    const end = regex.matchEnd;
    from = end > start ? end : start + 1;
    if (rule.luhn && !passesLuhn(text, start, end)) { from = start + 1; continue; }
    found.push(view.sourceAt(start)); found.push(view.sourceAt(end));
  }
  if (found.length == 0) return false;
  const placed = new StaticArray<bool>(found.length >> 1);
  let first = 0;
  for (let p = 0; p < parts.length; p++) {
    const partStart = view.partStart[p], partEnd = partStart + parts[p].length;
    // Matches are in order and do not overlap: skip those that ended before this part.
    while (first < found.length && found[first + 1] <= partStart) first += 2;
    // The new text is sized first and written once: no string per match (a text dense with
    // matches made one per piece, all garbage until the callback ends), and no quadratic appends.
    const source = parts[p];
    const replacement = rule.replacement;
    let kept = 0, length = 0, any = false;
    for (let k = first; k < found.length && found[k] < partEnd; k += 2) {
      const s = max(found[k], partStart) - partStart, e = min(found[k + 1], partEnd) - partStart;
      if (s >= e) continue;
      length += s - kept + (placed[k >> 1] ? 0 : replacement.length);
      kept = e;
      any = true;
    }
    if (!any) continue;
    length += source.length - kept;
    const out = changetype<string>(__new(<usize>length << 1, idof<string>()));
    const to = changetype<usize>(out), from = changetype<usize>(source);
    let at = 0;
    kept = 0;
    for (let k = first; k < found.length && found[k] < partEnd; k += 2) {
      const s = max(found[k], partStart) - partStart, e = min(found[k + 1], partEnd) - partStart;
      if (s >= e) continue;
      memory.copy(to + (<usize>at << 1), from + (<usize>kept << 1), <usize>(s - kept) << 1);
      at += s - kept;
      if (!placed[k >> 1]) {
        memory.copy(to + (<usize>at << 1), changetype<usize>(replacement), <usize>replacement.length << 1);
        at += replacement.length;
        placed[k >> 1] = true;
      }
      kept = e;
    }
    memory.copy(to + (<usize>at << 1), from + (<usize>kept << 1), <usize>(source.length - kept) << 1);
    parts[p] = out;
    dirty[p] = true;
  }
  return true;
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

/** What the content rules decided on a group of texts read apart from a chat body (an MCP tool's arguments or result). */
export class TextsVerdict {
  /** The deny rule that matched, or null. */
  denied: TextRule | null = null;
  /** Masks changed some texts (in place); `dirty` marks which. */
  masked: bool = false;
  dirty: StaticArray<bool> = new StaticArray<bool>(0);
}

/**
 * Deny rules, then masks, over `texts` read as one group (one normalized view, as a message's
 * parts are): the same rules, normalization and counters as prompts. Masked texts are replaced in
 * `texts`.
 */
export function guardTexts(policy: RequestPolicy, route: string, texts: string[]): TextsVerdict {
  const verdict = new TextsVerdict();
  if (texts.length == 0) return verdict;
  let view = VIEW.build(texts, false);
  for (let r = 0; r < policy.deny.length; r++) {
    const rule = policy.deny[r];
    if (!rule.regex.test(view)) continue;
    count(rule, route, "deny");
    verdict.denied = rule;
    VIEW.release();
    return verdict;
  }
  if (policy.mask.length > 0) verdict.dirty = new StaticArray<bool>(texts.length);
  for (let r = 0; r < policy.mask.length; r++) {
    const rule = policy.mask[r];
    if (!rule.regex.test(view) || !maskGroup(rule, texts, verdict.dirty)) continue;
    view = VIEW.build(texts, false);
    count(rule, route, "mask");
    verdict.masked = true;
  }
  VIEW.release();
  return verdict;
}
