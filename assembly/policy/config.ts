// A route's request policy (`routes[].policy`), compiled once at load: messages to add, a prompt
// template, deny and mask rules over prompt text, and a field of the answer to return alone.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalBool, optionalString, rejectUnknownFields } from "../fields/read";
import { JsonPath, PATH_RULE, parsePath } from "./path";
import { Regex, compileRegex } from "./regex";
import { TemplateNode, compileTemplate } from "./template";
import { isConfigName } from "../safety/safe-text";
import { jsonString } from "../json/splice";
import { normalizeText } from "../safety/normalize";

const POLICY_FIELDS = ["prepend", "append", "template", "deny", "mask", "extract", "extractAs"];
const MESSAGE_FIELDS = ["role", "content"];
const RULE_FIELDS = ["name", "contains", "regex", "builtin", "ignoreCase", "replacement"];
const ROLES = ["system", "developer", "user", "assistant"];

/** A message the route adds to every conversation. */
export class PolicyMessage {
  constructor(public role: string, public content: string) {}
}

/** A deny or mask rule over prompt text. */
export class TextRule {
  regex: Regex;
  /** Mask rules: the text put in place of each match. */
  replacement: string = "";
  /** Card numbers: a match counts only when its digits pass the Luhn check (fewer false hits). */
  luhn: bool = false;
  /** Its decision counter, defined on first use. */
  counter: u32 = 0;
  constructor(public name: string, regex: Regex) { this.regex = regex; }
}

export class RequestPolicy {
  prepend: PolicyMessage[] = [];
  append: PolicyMessage[] = [];
  template: TemplateNode | null = null;
  deny: TextRule[] = [];
  mask: TextRule[] = [];
  /** Non-streaming answers: only this field is returned. */
  extract: JsonPath | null = null;
  /** The extracted value as JSON (application/json) rather than text. */
  extractJson: bool = false;

  // The added messages as JSON items, written once at load: for chat and Responses, and for
  // Anthropic (whose system and developer messages become blocks of its system field).
  private json: string[] = ["", "", "", "", "", ""];

  prepare(): void {
    const lists = [this.prepend, this.append];
    for (let side = 0; side < 2; side++) {
      const all = new Array<string>(), conversation = new Array<string>(), system = new Array<string>();
      for (let i = 0; i < lists[side].length; i++) {
        const m = lists[side][i];
        const message = "{\"role\":" + jsonString(m.role) + ",\"content\":" + jsonString(m.content) + "}";
        all.push(message);
        if (m.role == "system" || m.role == "developer") system.push("{\"type\":\"text\",\"text\":" + jsonString(m.content) + "}");
        else conversation.push(message);
      }
      this.json[side * 3] = all.join(",");
      this.json[side * 3 + 1] = conversation.join(",");
      this.json[side * 3 + 2] = system.join(",");
    }
  }

  /** The messages to add before (or after) the client's, as JSON items joined by commas. */
  messagesJson(before: bool, anthropic: bool): string { return this.json[(before ? 0 : 3) + (anthropic ? 1 : 0)]; }
  /** Anthropic: the system and developer messages as text blocks. */
  systemBlocksJson(before: bool): string { return this.json[before ? 2 : 5]; }

  /** Whether the request body is read and may be rewritten. */
  readsRequest(): bool { return this.template !== null || this.prepend.length > 0 || this.append.length > 0 || this.deny.length > 0 || this.mask.length > 0; }
}

// Built-in mask patterns: what they find, and what replaces it.
const EMAIL = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";
// 13 to 19 digits, optionally grouped by single spaces or dashes; confirmed by the Luhn check.
const CARD = "\\b\\d(?:[ -]?\\d){12,18}\\b";

export function loadPolicy(v: JsonValue | null, path: string, d: Diagnostics): RequestPolicy | null {
  if (v === null || !expectObject(v, path, d)) return null;
  rejectUnknownFields(v, path, POLICY_FIELDS, d);
  const policy = new RequestPolicy();
  loadMessages(v.get("prepend"), childPath(path, "prepend"), policy.prepend, d);
  loadMessages(v.get("append"), childPath(path, "append"), policy.append, d);
  const template = v.get("template");
  if (template !== null) policy.template = compileTemplate(template, childPath(path, "template"), d);
  loadRules(v.get("deny"), childPath(path, "deny"), policy.deny, false, d);
  loadRules(v.get("mask"), childPath(path, "mask"), policy.mask, true, d);
  const extract = optionalString(v, "extract", path, d);
  if (extract !== null) {
    policy.extract = parsePath(extract);
    if (policy.extract === null) d.error(childPath(path, "extract"), "must be " + PATH_RULE);
  }
  const as = optionalString(v, "extractAs", path, d);
  if (as !== null && as != "text" && as != "json") d.error(childPath(path, "extractAs"), "must be \"text\" (a string field as plain text, the default) or \"json\"");
  if (as !== null && extract === null) d.error(childPath(path, "extractAs"), "needs extract");
  policy.extractJson = as !== null && as == "json";
  checkOwnText(policy, path, d);
  policy.prepare();
  return policy;
}

function loadMessages(v: JsonValue | null, path: string, out: PolicyMessage[], d: Diagnostics): void {
  if (v === null) return;
  if (v.kind != JsonKind.Array) { d.error(path, "must be an array of {role, content} messages"); return; }
  for (let i = 0; i < v.items.length; i++) {
    const m = v.items[i];
    const mPath = indexPath(path, i);
    if (!expectObject(m, mPath, d)) continue;
    rejectUnknownFields(m, mPath, MESSAGE_FIELDS, d);
    const role = optionalString(m, "role", mPath, d);
    const content = optionalString(m, "content", mPath, d);
    if (role === null || !ROLES.includes(role)) d.error(childPath(mPath, "role"), "must be one of: " + ROLES.join(", "));
    if (content === null || content.length == 0) d.error(childPath(mPath, "content"), "must be non-empty text");
    if (role !== null && content !== null) out.push(new PolicyMessage(role, content));
  }
}

function loadRules(v: JsonValue | null, path: string, out: TextRule[], masking: bool, d: Diagnostics): void {
  if (v === null) return;
  if (v.kind != JsonKind.Array) { d.error(path, "must be an array of rules"); return; }
  for (let i = 0; i < v.items.length; i++) {
    const r = v.items[i];
    const rPath = indexPath(path, i);
    if (!expectObject(r, rPath, d)) continue;
    rejectUnknownFields(r, rPath, RULE_FIELDS, d);
    const contains = optionalString(r, "contains", rPath, d);
    const pattern = optionalString(r, "regex", rPath, d);
    const builtin = optionalString(r, "builtin", rPath, d);
    const ignoreCase = optionalBool(r, "ignoreCase", rPath, d, false);
    const given = (contains !== null ? 1 : 0) + (pattern !== null ? 1 : 0) + (builtin !== null ? 1 : 0);
    if (given != 1) { d.error(rPath, masking ? "must have one of contains, regex or builtin" : "must have one of contains or regex"); continue; }
    let source = contains !== null ? contains : pattern !== null ? pattern : "";
    let replacement = "[MASKED]";
    let field = contains !== null ? "contains" : "regex";
    if (builtin !== null) {
      field = "builtin";
      if (!masking) { d.error(childPath(rPath, "builtin"), "is for mask rules (email, card)"); continue; }
      if (builtin == "email") { source = EMAIL; replacement = "[EMAIL]"; }
      else if (builtin == "card") { source = CARD; replacement = "[CARD]"; }
      else { d.error(childPath(rPath, "builtin"), "unknown value (accepted: email, card)"); continue; }
    }
    const given2 = optionalString(r, "replacement", rPath, d);
    if (given2 !== null) {
      if (!masking) d.error(childPath(rPath, "replacement"), "is for mask rules");
      replacement = given2;
    }
    // Text is matched in its normalized view (see apply.ts), so a literal is too: "a  b" finds "a b".
    if (contains !== null) source = normalizeText(source);
    if (source.length == 0) { d.error(childPath(rPath, field), "must not be empty"); continue; }
    const compiled = compileRegex(source, contains !== null, ignoreCase);
    if (compiled.regex === null) { d.error(childPath(rPath, field), compiled.error); continue; }
    const name = optionalString(r, "name", rPath, d);
    // Names label metrics and appear in the client's error.
    if (name !== null && !isConfigName(name)) d.error(childPath(rPath, "name"), "must be 1 to 128 letters, digits, '-', '_' or '.'");
    const rule = new TextRule(name !== null ? name : (builtin !== null ? builtin : (masking ? "mask" : "deny") + "[" + i.toString() + "]"), compiled.regex!);
    rule.replacement = replacement;
    rule.luhn = builtin !== null && builtin == "card";
    out.push(rule);
  }
}

/** The route's own messages and template text must pass its deny rules: otherwise every request would be refused. */
function checkOwnText(policy: RequestPolicy, path: string, d: Diagnostics): void {
  for (let r = 0; r < policy.deny.length; r++) {
    const rule = policy.deny[r];
    for (let i = 0; i < policy.prepend.length; i++) if (rule.regex.test(normalizeText(policy.prepend[i].content))) d.error(indexPath(childPath(path, "prepend"), i) + ".content", "matches the route's own deny rule " + rule.name + ", so every request would be refused");
    for (let i = 0; i < policy.append.length; i++) if (rule.regex.test(normalizeText(policy.append[i].content))) d.error(indexPath(childPath(path, "append"), i) + ".content", "matches the route's own deny rule " + rule.name + ", so every request would be refused");
  }
}
