// Web search, mapped to the backend's own: every client's search tool becomes the hub's
// `web_search_options` (OpenAI chat's own field, which its search models take), and each backend
// translator turns that into its search (Anthropic's web_search server tool, Gemini's googleSearch).
// Answers come back as chat's url_citation annotations. docs/translation.md "Web search".
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { integerAt, member, objectAt, stringAt } from "../json/members";

/** Anthropic's web search server tool as this module writes it (the GA version every model takes). */
export const ANTHROPIC_WEB_SEARCH = "web_search_20250305";
const LOCATION_FIELDS = ["country", "city", "region", "timezone"];
const CONTEXT_SIZES = ["low", "medium", "high"];

/** Responses' web search tool types: web_search, web_search_preview and their dated versions. */
export function isResponsesWebSearch(type: string): bool {
  return type == "web_search" || type == "web_search_preview" || type.startsWith("web_search_preview_2") || type.startsWith("web_search_2");
}

/** Anthropic's web search server tools: web_search_YYYYMMDD (web_search_20250305, web_search_20260209, ...). */
export function isAnthropicWebSearch(type: string): bool {
  if (type.length != 19 || !type.startsWith("web_search_")) return false;
  for (let i = 11; i < 19; i++) { const c = type.charCodeAt(i); if (c < 0x30 || c > 0x39) return false; }
  return true;
}

/** OpenAI chat models that take web_search_options (its search models); others refuse the field. */
export function takesWebSearchOptions(model: string): bool {
  return model.includes("-search-preview") || model.includes("-search-api");
}

/** A client's search settings, read from any API's search tool. */
export class WebSearch {
  contextSize: string | null = null;
  /** country, city, region, timezone (null where not given). */
  location: Array<string | null> = [null, null, null, null];
  hasLocation: bool = false;
  /** A limit on searches (Anthropic's max_uses; Responses' max_tool_calls on composed routes). */
  maxUses: i64 = 0;
}

/**
 * A client's location object: flat (Responses, Anthropic: {type, city, ...}) or chat's
 * {type, approximate: {...}}; only the four documented strings are kept. A message when malformed.
 */
function readLocation(v: JsonValue, path: string, into: WebSearch): string | null {
  if (v.kind == JsonKind.Null) return null;
  if (v.kind != JsonKind.Object) return path + ": must be an object";
  const type = stringAt(v, "type");
  if (type !== null && type! != "approximate") return path + ".type: must be \"approximate\"";
  const inner = objectAt(v, "approximate");
  const from = inner !== null ? inner! : v;
  for (let i = 0; i < LOCATION_FIELDS.length; i++) {
    const f = member(from, LOCATION_FIELDS[i]);
    if (f === null || f.kind == JsonKind.Null) continue;
    if (f.kind != JsonKind.String) return path + "." + LOCATION_FIELDS[i] + ": must be a string";
    into.location[i] = f.text;
    into.hasLocation = true;
  }
  return null;
}

/** search_context_size and user_location of a Responses tool or of chat's web_search_options. */
export function readOpenAISearch(v: JsonValue, path: string, into: WebSearch): string | null {
  if (v.kind != JsonKind.Object) return path + ": must be an object";
  const size = member(v, "search_context_size");
  if (size !== null && size.kind != JsonKind.Null) {
    if (size.kind != JsonKind.String || !CONTEXT_SIZES.includes(size.text)) return path + ".search_context_size: must be low, medium or high";
    into.contextSize = size.text;
  }
  const location = member(v, "user_location");
  if (location !== null) { const problem = readLocation(location, path + ".user_location", into); if (problem !== null) return problem; }
  const uses = integerAt(v, "max_uses", 0);
  if (uses > 0) into.maxUses = uses;
  return null;
}

/** An Anthropic web_search_* tool's user_location and max_uses. */
export function readAnthropicSearch(v: JsonValue, path: string, into: WebSearch): string | null {
  const location = member(v, "user_location");
  if (location !== null) { const problem = readLocation(location, path + ".user_location", into); if (problem !== null) return problem; }
  const uses = member(v, "max_uses");
  if (uses !== null && uses.kind != JsonKind.Null) {
    if (uses.kind != JsonKind.Number || !uses.isInteger() || uses.numberValue < 1) return path + ".max_uses: must be a positive integer";
    into.maxUses = <i64>uses.numberValue;
  }
  return null;
}

/** The hub's web_search_options; max_uses rides only between composed translators (OpenAI has no such field). */
export function writeWebSearchOptions(w: JsonWriter, s: WebSearch, hub: bool): void {
  w.key("web_search_options").object();
  if (s.contextSize !== null) w.key("search_context_size").string(s.contextSize!);
  if (s.hasLocation) {
    w.key("user_location").object().key("type").string("approximate").key("approximate").object();
    writeLocationFields(w, s);
    w.endObject().endObject();
  }
  if (hub && s.maxUses > 0) w.key("max_uses").number(s.maxUses);
  w.endObject();
}

/** The request's web_search_options, read; null when absent, a problem when malformed. */
export class HubSearch {
  search: WebSearch | null = null;
  problem: string | null = null;
}

export function readHubSearch(body: JsonValue): HubSearch {
  const r = new HubSearch();
  const v = member(body, "web_search_options");
  if (v === null || v.kind == JsonKind.Null) return r;
  const s = new WebSearch();
  r.problem = readOpenAISearch(v, "web_search_options", s);
  if (r.problem === null) r.search = s;
  return r;
}

/** Anthropic's web search server tool, as one member of its tools array. */
export function writeAnthropicSearchTool(w: JsonWriter, s: WebSearch): void {
  w.object().key("type").string(ANTHROPIC_WEB_SEARCH).key("name").string("web_search");
  if (s.maxUses > 0) w.key("max_uses").number(s.maxUses);
  if (s.hasLocation) {
    w.key("user_location").object().key("type").string("approximate");
    writeLocationFields(w, s);
    w.endObject();
  }
  w.endObject();
}

function writeLocationFields(w: JsonWriter, s: WebSearch): void {
  for (let i = 0; i < LOCATION_FIELDS.length; i++) if (s.location[i] !== null) w.key(LOCATION_FIELDS[i]).string(s.location[i]!);
}

/** One url_citation annotation in chat's shape (message.annotations, and a stream delta's). */
export function writeChatCitation(w: JsonWriter, url: string, title: string | null, start: i32, end: i32): void {
  w.object().key("type").string("url_citation").key("url_citation").object();
  w.key("url").string(url).key("title").string(title !== null ? title! : url);
  w.key("start_index").number(start).key("end_index").number(end).endObject().endObject();
}

const I32_TOP: i64 = 0x7fffffff;

/** A cap on annotations per answer (each names a URL: a provider could send many). */
export const MAX_CITATIONS = 256;

/**
 * A Gemini candidate's groundingMetadata as chat's annotations: one url_citation per source of each
 * grounding support (groundingChunks[i].web: uri, title), over the support's segment. Gemini counts
 * a segment in UTF-8 bytes of the answer; with the answer's `text` at hand the offsets become UTF-16
 * units (what OpenAI clients index with), else (a stream's piece) they pass as Gemini gave them.
 * Writes `"annotations": [...]` only when there is at least one. Returns how many it wrote.
 */
export function writeGroundingAnnotations(w: JsonWriter, candidate: JsonValue, text: string | null): i32 {
  const meta = objectAt(candidate, "groundingMetadata");
  if (meta === null) return 0;
  const chunks = member(meta!, "groundingChunks");
  const supports = member(meta!, "groundingSupports");
  if (chunks === null || chunks.kind != JsonKind.Array || supports === null || supports.kind != JsonKind.Array) return 0;
  const starts = new Array<i64>();
  const ends = new Array<i64>();
  const urls = new Array<string>();
  const titles = new Array<string | null>();
  for (let i = 0; i < supports.items.length && urls.length < MAX_CITATIONS; i++) {
    const segment = objectAt(supports.items[i], "segment");
    const indices = member(supports.items[i], "groundingChunkIndices");
    if (segment === null || indices === null || indices.kind != JsonKind.Array) continue;
    const start = integerAt(segment!, "startIndex", 0);
    const end = integerAt(segment!, "endIndex", 0);
    if (start < 0 || end < start) continue;
    for (let j = 0; j < indices.items.length && urls.length < MAX_CITATIONS; j++) {
      const n = indices.items[j];
      if (n.kind != JsonKind.Number || !n.isInteger() || n.numberValue < 0 || n.numberValue >= <f64>chunks.items.length) continue;
      const web = objectAt(chunks.items[<i32>n.numberValue], "web");
      const uri = web !== null ? stringAt(web!, "uri") : null;
      if (uri === null) continue;
      starts.push(start); ends.push(end); urls.push(uri!); titles.push(stringAt(web!, "title"));
    }
  }
  if (urls.length == 0) return 0;
  if (text !== null) { bytesToUtf16(text!, starts); bytesToUtf16(text!, ends); }
  w.key("annotations").array();
  // Held at i32's top (a stream's offsets are the provider's, up to 2^53): never wrapped to a negative.
  for (let i = 0; i < urls.length; i++) writeChatCitation(w, urls[i], titles[i], <i32>min(starts[i], I32_TOP), <i32>min(ends[i], I32_TOP));
  w.endArray();
  return urls.length;
}

/** Byte offsets into `text`'s UTF-8 form, replaced by UTF-16 offsets: one pass over the text for all of them. */
function bytesToUtf16(text: string, offsets: Array<i64>): void {
  // Sorted by offset, each key carrying its index in the low bits (at most MAX_CITATIONS of them).
  const order = new Array<i64>(offsets.length);
  for (let i = 0; i < order.length; i++) order[i] = (min(offsets[i], <i64>0x7fffffff) << 16) | <i64>i;
  // Insertion sort: at most MAX_CITATIONS keys, and no generic sort code in the module.
  for (let i = 1; i < order.length; i++) {
    const key = order[i];
    let j = i - 1;
    while (j >= 0 && order[j] > key) { order[j + 1] = order[j]; j--; }
    order[j + 1] = key;
  }
  let bytes: i64 = 0;
  let unit = 0;
  for (let k = 0; k < order.length; k++) {
    const at = <i32>(order[k] & 0xffff);
    const target = offsets[at];
    while (unit < text.length && bytes < target) {
      const c = text.charCodeAt(unit);
      if (c >= 0xd800 && c <= 0xdbff && unit + 1 < text.length) { bytes += 4; unit += 2; }
      else { bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3; unit++; }
    }
    offsets[at] = unit;
  }
}
