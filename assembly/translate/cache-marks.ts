// Prompt-cache breakpoints across APIs. Anthropic marks a block `cache_control: {"type":
// "ephemeral", "ttl"?: "5m" | "1h"}`; on the OpenAI chat hub the same object rides on a content
// part, a tool, or a tool call (docs/translation.md, "Prompt caching"). Anthropic and Bedrock
// take at most four breakpoints a request and refuse more, so a request with more keeps the last
// four (the longest cached prefixes; the providers' lookback still finds the shorter ones).
import { JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { Sha256, toHex } from "../crypto/sha256";
import { arrayAt, objectAt, stringAt } from "./json-read";

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

/** Bedrock's breakpoint: a block of its own after the marked one; 1h is sent, 5m is the default. */
export function writeCachePoint(w: JsonWriter, ttl: string): void {
  w.object().key("cachePoint").object().key("type").string("default");
  if (ttl == "1h") w.key("ttl").string("1h");
  w.endObject().endObject();
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
  private tools: i32 = 0;
  private system: i32 = 0;
  private drop: i32 = 0;
  private toolSeen: i32 = 0;
  private systemSeen: i32 = 0;
  private messageSeen: i32 = 0;

  /** Counts the marks of a chat request body. */
  static of(body: JsonValue): CacheMarks {
    const c = new CacheMarks();
    let messages = 0;
    const tools = arrayAt(body, "tools");
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
    const ttl = cacheMarkOf(v);
    if (ttl === null) return null;
    return this.toolSeen++ >= this.drop ? ttl : null;
  }

  onSystem(v: JsonValue): string | null {
    const ttl = cacheMarkOf(v);
    if (ttl === null) return null;
    return this.tools + this.systemSeen++ >= this.drop ? ttl : null;
  }

  onMessage(v: JsonValue): string | null {
    const ttl = cacheMarkOf(v);
    if (ttl === null) return null;
    return this.tools + this.system + this.messageSeen++ >= this.drop ? ttl : null;
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
