// A Responses request's tools on a chat backend. Function tools pass as chat functions; a
// `namespace` tool (a group of function tools, as Codex CLI sends) is flattened into its functions,
// named "<namespace>__<name>" (or "<namespace><name>" when the namespace already ends in "_", as
// Codex's "mcp__server__"), and a call of one goes back to the client as {name, namespace}.
// web_search becomes chat's web_search_options where the chat request can carry it (web-search.ts).
// Other hosted tools (file_search, mcp, ...) and input items that only record their use have no
// chat equivalent: dropped and reported (x-llm-mesh-dropped-tools), or refused when the route says
// hostedTools: "refuse".
import { JsonKind, JsonValue } from "../json/parse";
import { JsonWriter } from "../json/writer";
import { arrayAt, member, objectAt, stringAt } from "../json/members";
import { WebSearch, isResponsesWebSearch, readOpenAISearch } from "./web-search";

/** Hosted tool types the Responses API documents: the only names a header or metric label carries ("other" for the rest). */
const HOSTED_TOOLS = [
  "web_search", "web_search_preview", "web_search_preview_2025_03_11", "web_search_2025_08_26", "file_search", "code_interpreter",
  "image_generation", "computer", "computer_use_preview", "local_shell", "shell", "mcp", "custom", "apply_patch", "tool_search",
];

/** Input item types that record a hosted or custom tool's use: nothing a chat backend can read. */
const TOOL_HISTORY_ITEMS = [
  "web_search_call", "file_search_call", "image_generation_call", "code_interpreter_call", "computer_call", "computer_call_output",
  "local_shell_call", "local_shell_call_output", "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output",
  "mcp_list_tools", "mcp_approval_request", "mcp_approval_response", "mcp_call", "tool_search_call", "tool_search_output",
  "custom_tool_call", "custom_tool_call_output", "compaction",
];

/** The chat name of function `name` in namespace `namespace`. */
export function flatName(namespace: string, name: string): string {
  return namespace.endsWith("_") ? namespace + name : namespace + "__" + name;
}

/** Whether a tool of this type runs on OpenAI's servers (a tool_choice forcing one goes with it). */
export function isHostedTool(type: string): bool { return HOSTED_TOOLS.includes(type); }

/** Whether an input item of this type is history of a tool the chat backend does not have. */
export function isDroppableItem(type: string): bool { return TOOL_HISTORY_ITEMS.includes(type); }

/** A flattened function's namespace and own name. */
export class Namespaced {
  constructor(public namespace: string, public name: string) {}
}

/** Writes a request's tools as chat tools and remembers what it flattened and dropped. */
export class ChatTools {
  /** Chat name → namespace and name, to give calls back in the client's shape. */
  namespaced: Map<string, Namespaced> = new Map();
  /** Types dropped (bounded names, each once). */
  dropped: string[] = [];
  private names: Set<string> = new Set();
  readonly w: JsonWriter = new JsonWriter(1024);

  /** The request's web search tool, kept for web_search_options (only when mapSearch). */
  search: WebSearch | null = null;

  /** `mapSearch`: the chat request goes where web_search_options means a search (the hub, an OpenAI search model). */
  constructor(private refuseHosted: bool, private mapSearch: bool = false) { this.w.array(); }

  get count(): i32 { return this.names.size; }

  /** One Responses tool at `path`; a message when it cannot be translated. */
  add(t: JsonValue, path: string): string | null {
    const type = stringAt(t, "type");
    if (type !== null && type! == "function") return this.fn(t, path, null);
    if (type !== null && this.mapSearch && isResponsesWebSearch(type!)) {
      const s = this.search !== null ? this.search! : new WebSearch();
      this.search = s;
      return readOpenAISearch(t, path, s);
    }
    if (type !== null && type! == "namespace") {
      const ns = stringAt(t, "name");
      const tools = arrayAt(t, "tools");
      if (ns === null || ns!.length == 0) return path + ".name: a namespace tool needs a name";
      if (tools === null) return path + ".tools: a namespace tool needs an array of tools";
      for (let j = 0; j < tools.items.length; j++) {
        const inner = tools.items[j];
        const innerPath = path + ".tools[" + j.toString() + "]";
        const innerType = stringAt(inner, "type");
        const problem = innerType !== null && innerType! == "function" ? this.fn(inner, innerPath, ns) : this.drop(innerType, innerPath);
        if (problem !== null) return problem;
      }
      return null;
    }
    return this.drop(type, path);
  }

  /** A hosted tool or an item recording one: dropped and named, or refused on a "refuse" route. */
  drop(type: string | null, path: string): string | null {
    // A mapped search forced, or the record of one: the backend searches on its own, nothing is lost.
    if (type !== null && this.mapSearch && (isResponsesWebSearch(type!) || type! == "web_search_call")) return null;
    const name = type !== null && (HOSTED_TOOLS.includes(type!) || TOOL_HISTORY_ITEMS.includes(type!)) ? type! : "other";
    if (this.refuseHosted) return path + ": \"" + name + "\" is a hosted tool this route's backend has no equivalent for (the route's hostedTools is \"refuse\")";
    if (!this.dropped.includes(name)) this.dropped.push(name);
    return null;
  }

  private fn(t: JsonValue, path: string, ns: string | null): string | null {
    const own = stringAt(t, "name");
    if (own === null || own!.length == 0) return path + ".name: a function tool needs a name";
    const name = ns !== null ? flatName(ns!, own!) : own!;
    if (this.names.has(name)) return path + ".name: \"" + name + "\" names two tools (a namespace's functions are sent as \"<namespace>__<name>\")";
    this.names.add(name);
    if (ns !== null) this.namespaced.set(name, new Namespaced(ns!, own!));
    const w = this.w;
    w.object().key("type").string("function").key("function").object().key("name").string(name);
    const description = stringAt(t, "description");
    if (description !== null) w.key("description").string(description!);
    const parameters = objectAt(t, "parameters");
    if (parameters !== null) w.key("parameters").value(parameters!);
    const strict = member(t, "strict");
    if (strict !== null && strict.kind == JsonKind.Bool) w.key("strict").boolean(strict.boolValue);
    w.endObject().endObject();
    return null;
  }
}
