// Prompt-cache breakpoints across APIs. Anthropic marks a block `cache_control: {"type":
// "ephemeral", "ttl"?: "5m" | "1h"}`; on the OpenAI chat hub the same object rides on a content
// part, a tool, or a tool call (docs/translation.md, "Prompt caching"). Anthropic and Bedrock
// take at most four breakpoints a request and refuse more, so a request with more keeps the last
// four (the longest cached prefixes; the providers' lookback still finds the shorter ones).
import { JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { Sha256, toHex } from "../crypto/sha256";
import { arrayAt, objectAt, stringAt } from "../json/members";

/** Breakpoints Anthropic and Bedrock accept in one request. */
export const MAX_CACHE_MARKS: i32 = 4;

/** The ttl of a block's mark: "" for the default (5 minutes), "5m" or "1h"; null when unmarked (or not an ephemeral mark). */
export function cacheMarkOf(block: JsonValue): string | null {
  const mark = objectAt(block, "cache_control");
  if (mark === null) return null;
  const type = stringAt(mark, "type");
  if (type === null || type! != "ephemeral") return null;
  const ttl = stringAt(mark, "ttl");
  return ttl !== null && (ttl! == "5m" || ttl! == "1h") ? ttl! : "";
}

/** Writes `"cache_control": {"type":"ephemeral"[, "ttl": ttl]}` (hub and Anthropic form). */
export function writeCacheControl(w: JsonWriter, ttl: string): void {
  w.key("cache_control").object().key("type").string("ephemeral");
  if (ttl.length > 0) w.key("ttl").string(ttl);
  w.endObject();
}

/** Bedrock's breakpoint: a block of its own after the marked one; "1h" is sent (where the model takes it), 5m is the default. */
export function writeCachePoint(w: JsonWriter, ttl: string): void {
  w.object().key("cachePoint").object().key("type").string("default");
  if (ttl == "1h") w.key("ttl").string("1h");
  w.endObject().endObject();
}

/** What a backend model takes: breakpoints at all, on tools, with a 1-hour ttl. */
export const CACHE_NONE: i32 = 0;
export const CACHE_PROMPT: i32 = 1;
export const CACHE_TOOLS: i32 = 2;
export const CACHE_LONG_TTL: i32 = 4;
export const CACHE_ALL: i32 = CACHE_PROMPT | CACHE_TOOLS | CACHE_LONG_TTL;

/**
 * Where a Bedrock model takes cachePoint blocks (Bedrock refuses them on any other model: "You
 * invoked an unsupported model or your request did not allow prompt caching"): Claude from 3.5
 * Sonnet v2 and 3.5 Haiku on (system, messages, tools; a 1-hour ttl from the 4.5 models on), Nova
 * (system and messages, 5 minutes). An id Bedrock names by an opaque ARN (an application inference
 * profile) cannot be told: it gets breakpoints without a ttl.
 */
export function bedrockCaching(modelId: string): i32 {
  const slash = modelId.lastIndexOf("/");
  let id = slash >= 0 ? modelId.substring(slash + 1) : modelId;
  // Cross-region inference profiles prefix a geography: us., eu., apac., global., …
  if (!id.startsWith("anthropic.") && !id.startsWith("amazon.")) {
    const dot = id.indexOf(".");
    if (dot < 0) return CACHE_PROMPT | CACHE_TOOLS;
    id = id.substring(dot + 1);
  }
  if (id.startsWith("amazon.nova")) return CACHE_PROMPT;
  if (!id.startsWith("anthropic.claude-")) return CACHE_NONE;
  const name = id.substring(17);
  if (name.startsWith("v2") || name.startsWith("instant") || name.startsWith("3-sonnet") || name.startsWith("3-opus")
    || name.startsWith("3-haiku") || name.startsWith("3-5-sonnet-20240620")) return CACHE_NONE;
  return longTtl(name) ? CACHE_ALL : CACHE_PROMPT | CACHE_TOOLS;
}

/** "opus-4-5-…", "sonnet-4-6", "haiku-5-…": a family, then major and minor versions; 1 hour from 4.5 on. */
function longTtl(name: string): bool {
  // The 3.x names put the version first (3-7-sonnet-…): older than 4.5.
  if (name.length == 0 || (name.charCodeAt(0) >= 0x30 && name.charCodeAt(0) <= 0x39)) return false;
  const dash = name.indexOf("-");
  if (dash < 0) return false;
  const major = digitsAt(name, dash + 1);
  if (major < 0) return false;
  const minor = digitsAt(name, dash + 1 + major.toString().length + 1);
  return major > 4 || (major == 4 && minor >= 5);
}

/** A version number of one or two digits at `at`, followed by "-", "." or the end; -1 otherwise (a date is not a version). */
function digitsAt(s: string, at: i32): i32 {
  let n = 0;
  let i = at;
  while (i < s.length && i - at < 3) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    i++;
  }
  if (i == at || i - at > 2) return -1;
  if (i < s.length) { const c = s.charCodeAt(i); if (c != 0x2d && c != 0x2e && c != 0x3a && c != 0x76) return -1; }
  return n;
}

/** The first mark among a message's content parts (a tool message's marks are its result's). */
export function firstPartMark(m: JsonValue): string | null {
  const content = arrayAt(m, "content");
  if (content === null) return null;
  for (let i = 0; i < content.items.length; i++) {
    const ttl = cacheMarkOf(content.items[i]);
    if (ttl !== null) return ttl;
  }
  return null;
}

/**
 * The breakpoints of a chat request, in the providers' prefix order (tools, system, messages),
 * and which of them a backend gets: each on*() call consumes one mark of its kind, in request
 * order, and returns its ttl when it is among the last MAX_CACHE_MARKS, else null.
 */
export class CacheMarks {
  /** What the backend model takes (CACHE_*): marks it does not take are neither counted nor written. */
  private support: i32 = CACHE_ALL;
  private tools: i32 = 0;
  private system: i32 = 0;
  private drop: i32 = 0;
  private toolSeen: i32 = 0;
  private systemSeen: i32 = 0;
  private messageSeen: i32 = 0;

  /** Counts the marks of a chat request body, for a model that takes `support` (CACHE_*). */
  static of(body: JsonValue, support: i32 = CACHE_ALL): CacheMarks {
    const c = new CacheMarks();
    c.support = support;
    if ((support & CACHE_PROMPT) == 0) return c;
    let messages = 0;
    const tools = (support & CACHE_TOOLS) != 0 ? arrayAt(body, "tools") : null;
    if (tools !== null) for (let i = 0; i < tools.items.length; i++) if (cacheMarkOf(tools.items[i]) !== null) c.tools++;
    const list = arrayAt(body, "messages");
    if (list !== null) {
      for (let i = 0; i < list.items.length; i++) {
        const m = list.items[i];
        const role = stringAt(m, "role");
        const n = countIn(arrayAt(m, "content")) + countIn(arrayAt(m, "tool_calls"));
        if (role !== null && (role! == "system" || role! == "developer")) c.system += n; else messages += n;
      }
    }
    const total = c.tools + c.system + messages;
    c.drop = total > MAX_CACHE_MARKS ? total - MAX_CACHE_MARKS : 0;
    return c;
  }

  onTool(v: JsonValue): string | null {
    const ttl = this.markOf(v);
    if (ttl === null || (this.support & CACHE_TOOLS) == 0) return null;
    return this.toolSeen++ >= this.drop ? ttl : null;
  }

  onSystem(v: JsonValue): string | null {
    const ttl = this.markOf(v);
    if (ttl === null) return null;
    return this.tools + this.systemSeen++ >= this.drop ? ttl : null;
  }

  onMessage(v: JsonValue): string | null {
    const ttl = this.markOf(v);
    if (ttl === null) return null;
    return this.tools + this.system + this.messageSeen++ >= this.drop ? ttl : null;
  }

  /** The mark's ttl as the model takes it (a 1-hour ttl becomes the default where the model has no other). */
  private markOf(v: JsonValue): string | null {
    if ((this.support & CACHE_PROMPT) == 0) return null;
    const ttl = cacheMarkOf(v);
    return ttl !== null && ttl! == "1h" && (this.support & CACHE_LONG_TTL) == 0 ? "" : ttl;
  }

  /** A tool message's marks (one result block on the backend): each consumed, the last kept one returned. */
  onToolResult(m: JsonValue): string | null {
    const content = arrayAt(m, "content");
    if (content === null) return null;
    let kept: string | null = null;
    for (let i = 0; i < content.items.length; i++) {
      const ttl = this.onMessage(content.items[i]);
      if (ttl !== null) kept = ttl;
    }
    return kept;
  }
}

function countIn(items: JsonValue | null): i32 {
  if (items === null) return 0;
  let n = 0;
  for (let i = 0; i < items.items.length; i++) if (cacheMarkOf(items.items[i]) !== null) n++;
  return n;
}

/**
 * OpenAI's prompt_cache_key for a request that asked for caching but named no key: a digest of
 * the model and the system text, so requests sharing that prefix (one agent's sessions) land on
 * the same cache. A digest, not the text: nothing the provider does not already get, and no
 * client value passed on unchecked.
 */
export function promptCacheKeyOf(model: string, system: string): string | null {
  if (system.length == 0) return null;
  const h = new Sha256();
  h.updateBuffer(String.UTF8.encode(model + "\n" + system));
  return "llm-mesh-" + toHex(h.digest()).substring(0, 32);
}
