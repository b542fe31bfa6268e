// Anthropic's cache_control marks read from its blocks, for the chat hub (cache-marks.ts has the
// hub's form): where a request marks something, and a marked system array written as chat parts.
import { JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { arrayAt, stringAt } from "../json/members";
import { cacheMarkOf, writeCacheControl } from "./cache-marks";

export function anyMarked(blocks: JsonValue): bool {
  for (let i = 0; i < blocks.items.length; i++) if (cacheMarkOf(blocks.items[i]) !== null) return true;
  return false;
}

/** A system array with marks as one system message of text parts, each block's mark on its part; false when a block is not text. */
export function writeMarkedSystem(blocks: JsonValue, w: JsonWriter): bool {
  w.object().key("role").string("system").key("content").array();
  for (let i = 0; i < blocks.items.length; i++) {
    const block = blocks.items[i];
    const text = stringAt(block, "text");
    if (text === null) return false;
    w.object().key("type").string("text").key("text").string(text!);
    const ttl = cacheMarkOf(block);
    if (ttl !== null) writeCacheControl(w, ttl!);
    w.endObject();
  }
  w.endArray().endObject();
  return true;
}

/** A tool_result's mark: on the block, or on one of its content blocks. */
export function resultMark(block: JsonValue): string | null {
  const own = cacheMarkOf(block);
  if (own !== null) return own;
  const content = arrayAt(block, "content");
  return content !== null ? lastMarkIn(content) : null;
}

/** The last mark on an assistant turn's text blocks (they become one text part). */
export function lastTextMark(content: JsonValue): string | null {
  let found: string | null = null;
  for (let i = 0; i < content.items.length; i++) {
    const block = content.items[i];
    const type = stringAt(block, "type");
    if (type === null || type! != "text") continue;
    const ttl = cacheMarkOf(block);
    if (ttl !== null) found = ttl;
  }
  return found;
}

function lastMarkIn(blocks: JsonValue): string | null {
  let found: string | null = null;
  for (let i = 0; i < blocks.items.length; i++) { const ttl = cacheMarkOf(blocks.items[i]); if (ttl !== null) found = ttl; }
  return found;
}

/** The request marks any system block, tool, or message block (tool results' content included). */
export function hasMarks(body: JsonValue): bool {
  const system = arrayAt(body, "system");
  if (system !== null && anyMarked(system)) return true;
  const tools = arrayAt(body, "tools");
  if (tools !== null && anyMarked(tools)) return true;
  const messages = arrayAt(body, "messages");
  if (messages === null) return false;
  for (let i = 0; i < messages.items.length; i++) {
    const content = arrayAt(messages.items[i], "content");
    if (content === null) continue;
    for (let j = 0; j < content.items.length; j++) if (resultMark(content.items[j]) !== null) return true;
  }
  return false;
}
