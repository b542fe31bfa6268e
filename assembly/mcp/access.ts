// Who may use what on an MCP server: tools by name, prompts by name, resources by URI, each an
// allow-list of exact names, `prefix*` globs or `*`. A route's lists (`routes[].mcp`) serve callers
// whose consumer names no list for its server (`consumers[].mcp`); a list left out allows all.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalInteger, rejectUnknownFields, requiredString } from "../fields/read";
import { ModelPatterns } from "../fields/model-patterns";

/** The kinds of things an MCP server offers that allow-lists name. */
export enum McpKind { Tool, Prompt, Resource }
export const MCP_KIND_COUNT = 3;
/** The config key of each kind's list, and the word messages use. */
export const MCP_LIST_KEYS = ["tools", "prompts", "resources"];
export const MCP_KIND_WORDS = ["tool", "prompt", "resource"];

/** Longest pattern accepted (tool names are at most 128 characters; resource URIs are longer). */
const MAX_PATTERN_LENGTH = 2048;
const PATTERN_RULE = "must be a name, a prefix ending in '*', or '*' (1 to 2048 printable characters)";

/** One caller's lists, a kind each; null: that kind is not restricted here. */
export class McpAccess {
  lists: StaticArray<ModelPatterns | null> = new StaticArray<ModelPatterns | null>(MCP_KIND_COUNT);

  /** This access's list of a kind, else `fallback`'s: null when neither restricts it. */
  listOf(kind: McpKind, fallback: McpAccess | null): ModelPatterns | null {
    const own = this.lists[kind];
    if (own !== null || fallback === null) return own;
    return fallback!.lists[kind];
  }
}

/** An MCP route's own settings (`routes[].mcp`). */
export class RouteMcp {
  /** The lists for callers whose consumer names none for this server. */
  access: McpAccess = new McpAccess();
  /** The largest message (a JSON answer, or one SSE event) the filter reads; larger ones become an error. */
  maxMessageBytes: i32 = DEFAULT_MAX_MESSAGE_BYTES;
  /** Some list is given: answers to list methods are filtered. */
  restricts: bool = false;
  /** Its metric labels (route, server), encoded once. */
  tags: string = "";
  /** Tool names an allow-list names exactly (route's or a consumer's for this server): metric labels even when refused. */
  namedTools: Set<string> = new Set<string>();

  /** Tools that answered a call successfully, labelled by name up to MAX_TOOL_LABELS (a client cannot mint labels). */
  private seenTools: Set<string> = new Set<string>();

  /**
   * A tool's metric label: its name when an allow-list names it exactly, or when it ran (`ran`: a
   * result without error, which a server gives only for a tool it has), up to MAX_TOOL_LABELS names
   * a route; else "other". Names a client makes up, and a server's isError answers to them, stay "other".
   */
  toolLabel(name: string, ran: bool): string {
    if (this.namedTools.has(name) || this.seenTools.has(name)) return name;
    if (!ran || this.seenTools.size >= MAX_TOOL_LABELS) return "other";
    this.seenTools.add(name);
    return name;
  }

  /** Adds the exact tool names of `access` to namedTools. */
  nameToolsOf(access: McpAccess): void {
    const tools = access.lists[McpKind.Tool];
    if (tools === null) return;
    for (let i = 0; i < tools!.exact.length; i++) this.namedTools.add(tools!.exact[i]);
  }
}

/**
 * 1 MiB: a message read whole costs the VM up to about 80 times its size at once (its text decoded,
 * the content rules' normalized view, a masked copy; measured 78 MiB for 1 MiB dense with mask
 * matches as JSON, 96 MiB as one SSE event, 20 to 24 MiB without), and a VM's memory never shrinks. Agents' clients cap results far lower.
 */
export const DEFAULT_MAX_MESSAGE_BYTES: i32 = 1024 * 1024;
/** The largest maxMessageBytes: a message read whole costs the VM a few times its size, and Envoy buffers it too. */
export const MAX_MESSAGE_BYTES_LIMIT: i32 = 16 * 1024 * 1024;
/** Distinct tool names a route labels its metrics with, beyond those its allow-lists name. */
const MAX_TOOL_LABELS: i32 = 256;
const ROUTE_MCP_FIELDS = ["tools", "prompts", "resources", "maxMessageBytes"];
const CONSUMER_MCP_FIELDS = ["server", "tools", "prompts", "resources"];

/** True when `name` (of `kind`) is allowed by `list` (null: no list, everything is). */
export function allowedBy(list: ModelPatterns | null, kind: i32, name: string): bool {
  if (kind == McpKind.Resource) return resourceAllowed(list, name);
  return list === null || list.matches(name);
}

/**
 * A resource URI allowed by `list`: a URI with dot segments or escapes that a server may resolve
 * out of a `prefix*` (`/../`, `%2e`, a backslash) is allowed only by an exact entry or `*`.
 */
export function resourceAllowed(list: ModelPatterns | null, uri: string): bool {
  if (list === null || list.any || list.exact.includes(uri)) return true;
  const lower = uri.toLowerCase();
  if (uri.includes("/..") || uri.includes("/./") || uri.includes("\\") || lower.includes("%2e") || lower.includes("%2f") || lower.includes("%5c")) return false;
  return list.matches(uri);
}

/** The lists of an object (`tools`, `prompts`, `resources`), each checked and compiled. */
function loadLists(v: JsonValue, path: string, access: McpAccess, d: Diagnostics): bool {
  let any = false;
  for (let k = 0; k < MCP_KIND_COUNT; k++) {
    const key = MCP_LIST_KEYS[k];
    const items = optionalArray(v, key, path, d);
    if (items === null) continue;
    any = true;
    const patterns = new ModelPatterns();
    for (let j = 0; j < items.length; j++) {
      const text = items[j].kind == JsonKind.String ? items[j].text : "";
      if (text == "*") { patterns.any = true; continue; }
      const stem = text.endsWith("*") ? text.substring(0, text.length - 1) : text;
      if (stem.length == 0 || text.length > MAX_PATTERN_LENGTH || !isPrintable(stem)) { d.error(indexPath(childPath(path, key), j), PATTERN_RULE); continue; }
      if (text.endsWith("*")) patterns.prefixes.push(stem); else patterns.exact.push(text);
    }
    access.lists[k] = patterns;
  }
  return any;
}

function isPrintable(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

/** `routes[].mcp`; the defaults when absent. */
export function loadRouteMcp(v: JsonValue | null, path: string, d: Diagnostics): RouteMcp {
  const mcp = new RouteMcp();
  if (v === null || !expectObject(v, path, d)) return mcp;
  rejectUnknownFields(v, path, ROUTE_MCP_FIELDS, d);
  mcp.restricts = loadLists(v, path, mcp.access, d);
  mcp.maxMessageBytes = <i32>optionalInteger(v, "maxMessageBytes", path, d, 1024, MAX_MESSAGE_BYTES_LIMIT, DEFAULT_MAX_MESSAGE_BYTES, "must be an integer from 1024 to 16777216 (16 MiB: a message read whole costs the VM a few times its size)");
  return mcp;
}

/** `consumers[].mcp`: each entry's lists by server name (checked against the providers by the config loader). */
export function loadConsumerMcp(v: JsonValue, path: string, d: Diagnostics): Map<string, McpAccess> | null {
  const entries = optionalArray(v, "mcp", path, d);
  if (entries === null) return null;
  const byServer = new Map<string, McpAccess>();
  const listPath = childPath(path, "mcp");
  for (let i = 0; i < entries.length; i++) {
    const ePath = indexPath(listPath, i);
    const e = entries[i];
    if (!expectObject(e, ePath, d)) continue;
    rejectUnknownFields(e, ePath, CONSUMER_MCP_FIELDS, d);
    const server = requiredString(e, "server", ePath, d);
    const access = new McpAccess();
    loadLists(e, ePath, access, d);
    if (server.length == 0) continue;
    if (byServer.has(server)) { d.error(childPath(ePath, "server"), "names server \"" + server + "\" a second time (one entry per server)"); continue; }
    byServer.set(server, access);
  }
  return byServer;
}
