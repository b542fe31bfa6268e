// A route's request policy applied to the client's body, before the body is routed to a backend's
// API: the template first (it makes the request), then the route's messages, then deny rules and
// masks over the prompt text that will be sent. Every refusal is a 400 in the client's API.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { BAD_REQUEST, CONTENT_DENIED, TEMPLATE_UNFILLED } from "../errors";
import { COUNTER, defineMetric, incrementMetric } from "../host";
import { tag } from "../metrics/record";
import { Operation } from "../providers/provider";
import { Reply, RequestState } from "../request/state";
import { PolicyMessage, RequestPolicy, TextRule } from "./config";
import { TemplateFill, fillTemplate } from "./template";

/** The body after the policy: a new one (null: unchanged), or a refusal. */
export class PolicyOutcome {
  body: ArrayBuffer | null = null;
  reply: Reply | null = null;
  static refuse(r: Reply): PolicyOutcome { const o = new PolicyOutcome(); o.reply = r; return o; }
}

export function applyRequestPolicy(policy: RequestPolicy, state: RequestState, body: ArrayBuffer): PolicyOutcome {
  const parsed = parseJson(String.UTF8.decode(body));
  if (parsed.value === null || parsed.value!.kind != JsonKind.Object) return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, "the request body must be a JSON object"));
  let root = parsed.value!;
  let changed = false;
  if (policy.template !== null) {
    const fill = new TemplateFill();
    const filled = fillTemplate(policy.template!, root, state.headers!, fill);
    if (filled === null) return PolicyOutcome.refuse(Reply.error(TEMPLATE_UNFILLED, fill.error));
    root = filled!;
    changed = true;
  }
  if (policy.prepend.length > 0 || policy.append.length > 0) {
    const refused = addMessages(root, policy, state.operation);
    if (refused !== null) return PolicyOutcome.refuse(Reply.error(BAD_REQUEST, refused!));
    changed = changed || state.operation != Operation.Embeddings;
  }
  if (policy.deny.length > 0 || policy.mask.length > 0) {
    const texts = new Array<JsonValue>();
    for (let i = 0; i < root.keys.length; i++) if (PROMPT_FIELDS.includes(root.keys[i])) collectText(root.items[i], true, texts);
    const route = state.route!.name;
    for (let r = 0; r < policy.deny.length; r++) {
      const rule = policy.deny[r];
      for (let i = 0; i < texts.length; i++) {
        if (!rule.regex.test(texts[i].text)) continue;
        count(rule, route, "deny");
        return PolicyOutcome.refuse(Reply.error(CONTENT_DENIED, "the request was refused by this route's content policy (rule " + rule.name + ")"));
      }
    }
    for (let r = 0; r < policy.mask.length; r++) {
      const rule = policy.mask[r];
      let masked = false;
      for (let i = 0; i < texts.length; i++) {
        const text = maskText(rule, texts[i].text);
        if (text !== null) { texts[i].text = text!; masked = true; }
      }
      if (masked) { count(rule, route, "mask"); changed = true; }
    }
  }
  const outcome = new PolicyOutcome();
  if (changed) outcome.body = new JsonWriter(body.byteLength + 256).value(root).toBuffer();
  return outcome;
}

/** Top-level fields holding prompt text, in every client API (chat, completions, embeddings, Responses, Anthropic). */
const PROMPT_FIELDS = ["messages", "input", "prompt", "system", "instructions"];

/**
 * The prompt text under a field: strings given directly (or in a list), and message and part
 * `content` and `text`. Roles, ids, tool definitions and call arguments are not prompt text.
 */
function collectText(v: JsonValue, direct: bool, out: Array<JsonValue>): void {
  if (v.kind == JsonKind.String) { if (direct) out.push(v); return; }
  if (v.kind == JsonKind.Array) { for (let i = 0; i < v.items.length; i++) collectText(v.items[i], true, out); return; }
  if (v.kind != JsonKind.Object) return;
  for (let i = 0; i < v.keys.length; i++) {
    const key = v.keys[i];
    if (key == "content" || key == "text") collectText(v.items[i], true, out);
  }
}

/** Adds the route's messages to the conversation, in the client's API; a message why not, or null. */
function addMessages(root: JsonValue, policy: RequestPolicy, op: Operation): string | null {
  if (op == Operation.Embeddings) return null; // nothing is generated: a system prompt has nothing to steer
  if (op == Operation.Completions) return "this route adds messages to every conversation, and /v1/completions has none; use /v1/chat/completions";
  const field = op == Operation.Responses ? "input" : "messages";
  let list = root.get(field);
  if (list === null || list.kind != JsonKind.Array && !(op == Operation.Responses && list.kind == JsonKind.String)) return field + " must be an array of messages";
  if (list.kind == JsonKind.String) {
    // Responses: input text is one user message.
    const only = message("user", list.text);
    list = JsonValue.of(JsonKind.Array);
    list.items.push(only);
    root.items[root.keys.indexOf(field)] = list;
  }
  const anthropic = op == Operation.Messages || op == Operation.CountTokens;
  const items = new Array<JsonValue>();
  const before = new Array<JsonValue>(), after = new Array<JsonValue>();
  for (let i = 0; i < policy.prepend.length; i++) place(policy.prepend[i], anthropic, items, before);
  for (let i = 0; i < list.items.length; i++) items.push(list.items[i]);
  for (let i = 0; i < policy.append.length; i++) place(policy.append[i], anthropic, items, after);
  list.items = items;
  if (before.length > 0 || after.length > 0) {
    // Anthropic keeps system text apart from the messages: the route's goes around the client's.
    const system = JsonValue.of(JsonKind.Array);
    for (let i = 0; i < before.length; i++) system.items.push(before[i]);
    const own = root.get("system");
    if (own !== null && own.kind == JsonKind.String) system.items.push(textBlock(own.text));
    else if (own !== null && own.kind == JsonKind.Array) for (let i = 0; i < own.items.length; i++) system.items.push(own.items[i]);
    else if (own !== null) return "system must be text or an array of text blocks";
    for (let i = 0; i < after.length; i++) system.items.push(after[i]);
    const at = root.keys.indexOf("system");
    if (at >= 0) root.items[at] = system; else { root.keys.push("system"); root.items.push(system); }
  }
  return null;
}

function place(m: PolicyMessage, anthropic: bool, items: Array<JsonValue>, system: Array<JsonValue>): void {
  if (anthropic && (m.role == "system" || m.role == "developer")) system.push(textBlock(m.content));
  else items.push(message(m.role, m.content));
}

function message(role: string, content: string): JsonValue {
  const m = JsonValue.of(JsonKind.Object);
  m.keys.push("role"); m.items.push(text(role));
  m.keys.push("content"); m.items.push(text(content));
  return m;
}

function textBlock(content: string): JsonValue {
  const b = JsonValue.of(JsonKind.Object);
  b.keys.push("type"); b.items.push(text("text"));
  b.keys.push("text"); b.items.push(text(content));
  return b;
}

function text(s: string): JsonValue { const v = JsonValue.of(JsonKind.String); v.text = s; return v; }

/** The text with each match replaced, or null when nothing matched. */
function maskText(rule: TextRule, text: string): string | null {
  let out = "";
  let kept = 0, from = 0;
  const regex = rule.regex;
  while (from < text.length) {
    const start = regex.search(text, from);
    if (start < 0) break;
    const end = regex.matchEnd;
    from = end > start ? end : start + 1;
    if (rule.luhn && !passesLuhn(text, start, end)) { from = start + 1; continue; }
    out += text.substring(kept, start) + rule.replacement;
    kept = end;
  }
  return kept == 0 && out.length == 0 ? null : out + text.substring(kept);
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
