// Web search as the real APIs take and answer it, for the mock providers: Anthropic's web_search
// server tool (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool),
// Gemini's googleSearch grounding (https://ai.google.dev/gemini-api/docs/google-search) and OpenAI
// chat's web_search_options on its search models. A searched question is answered with the search's
// own blocks and a cited text, never with a function call.

/** The one page the mock "search engine" finds. */
export const MOCK_RESULT = { url: "https://example.com/mock-search-result", title: "Mock search result" };
export const SEARCHED_TEXT = "The web says the answer is 42.";

const ANTHROPIC_SEARCH_TOOLS = ["web_search_20250305", "web_search_20260209"];
const ANTHROPIC_SEARCH_FIELDS = new Set(["type", "name", "max_uses", "allowed_domains", "blocked_domains", "user_location", "cache_control", "allowed_callers"]);
const LOCATION_FIELDS = new Set(["type", "city", "region", "country", "timezone"]);

/** An Anthropic tool of a web_search_* type: a problem in Anthropic's words, or undefined. */
export function checkAnthropicSearchTool(t: Record<string, unknown>, i: number): string | undefined {
  if (typeof t.type !== "string" || !t.type.startsWith("web_search_")) return undefined;
  if (!ANTHROPIC_SEARCH_TOOLS.includes(t.type)) return `tools.${i}: Input tag '${t.type}' found using 'type' does not match any of the expected tags`;
  for (const key of Object.keys(t)) if (!ANTHROPIC_SEARCH_FIELDS.has(key)) return `tools.${i}.${t.type}.${key}: Extra inputs are not permitted`;
  if (t.name !== "web_search") return `tools.${i}.${t.type}.name: Input should be 'web_search'`;
  if (t.max_uses !== undefined && (!Number.isInteger(t.max_uses) || (t.max_uses as number) < 1)) return `tools.${i}.${t.type}.max_uses: Input should be greater than 0`;
  if (t.allowed_domains !== undefined && t.blocked_domains !== undefined) return `tools.${i}: allowed_domains and blocked_domains cannot both be set`;
  const location = t.user_location as Record<string, unknown> | undefined;
  if (location !== undefined) {
    if (location === null || typeof location !== "object" || location.type !== "approximate") return `tools.${i}.${t.type}.user_location.type: Input should be 'approximate'`;
    for (const [key, v] of Object.entries(location)) {
      if (!LOCATION_FIELDS.has(key)) return `tools.${i}.${t.type}.user_location.${key}: Extra inputs are not permitted`;
      if (typeof v !== "string") return `tools.${i}.${t.type}.user_location.${key}: Input should be a valid string`;
    }
  }
  return undefined;
}

/** The request offers Anthropic's web search. */
export function anthropicSearches(tools: unknown): boolean {
  return Array.isArray(tools) && tools.some((t) => typeof (t as { type?: unknown }).type === "string" && ANTHROPIC_SEARCH_TOOLS.includes((t as { type: string }).type));
}

/** Anthropic's blocks for one search and its cited answer (the text block's citation points at the result). */
export function anthropicSearchBlocks(query: string): Record<string, unknown>[] {
  return [
    { type: "server_tool_use", id: "srvtoolu_mock1", name: "web_search", input: { query } },
    { type: "web_search_tool_result", tool_use_id: "srvtoolu_mock1", content: [{ type: "web_search_result", ...MOCK_RESULT, encrypted_content: "bW9jay1wYWdl", page_age: null }] },
    { type: "text", text: SEARCHED_TEXT, citations: [{ type: "web_search_result_location", ...MOCK_RESULT, encrypted_index: "bW9jaw==", cited_text: "the answer is 42" }] },
  ];
}

/** Gemini tools: googleSearch must be an object, and (as Gemini 2.x answers) it does not mix with function calling. */
export function checkGeminiSearchTools(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  const search = tools.some((t) => (t as { googleSearch?: unknown }).googleSearch !== undefined);
  if (!search) return undefined;
  for (const [i, t] of tools.entries()) {
    const g = (t as { googleSearch?: unknown }).googleSearch;
    if (g !== undefined && (g === null || typeof g !== "object" || Array.isArray(g))) return `Invalid value at 'tools[${i}].google_search' (type.googleapis.com/google.ai.generativelanguage.v1beta.Tool.GoogleSearch), ${JSON.stringify(g)}`;
  }
  if (tools.some((t) => (t as { functionDeclarations?: unknown }).functionDeclarations !== undefined)) return "Tool use with function calling is unsupported";
  return undefined;
}

export function geminiSearches(tools: unknown): boolean {
  return Array.isArray(tools) && tools.some((t) => (t as { googleSearch?: unknown }).googleSearch !== undefined);
}

/** Gemini's groundingMetadata for SEARCHED_TEXT (segment offsets in UTF-8 bytes). */
export function geminiGrounding(query: string): Record<string, unknown> {
  return {
    webSearchQueries: [query],
    searchEntryPoint: { renderedContent: "<div class=\"mock\"></div>" },
    groundingChunks: [{ web: { uri: MOCK_RESULT.url, title: MOCK_RESULT.title } }],
    groundingSupports: [{ segment: { startIndex: 0, endIndex: Buffer.byteLength(SEARCHED_TEXT), text: SEARCHED_TEXT }, groundingChunkIndices: [0] }],
  };
}

const SEARCH_MODEL = /-search-(preview|api)/;
const CONTEXT_SIZES = ["low", "medium", "high"];

/** OpenAI chat's web_search_options: only search models take it; its shape as OpenAI checks it. */
export function checkWebSearchOptions(model: unknown, options: unknown): string | undefined {
  if (options === undefined) return undefined;
  if (typeof model !== "string" || !SEARCH_MODEL.test(model)) return "Web search options not supported with this model.";
  if (options === null || typeof options !== "object" || Array.isArray(options)) return "Invalid type for 'web_search_options': expected an object.";
  const o = options as { search_context_size?: unknown; user_location?: { type?: unknown; approximate?: unknown } | null };
  for (const key of Object.keys(o)) if (key !== "search_context_size" && key !== "user_location") return `Unrecognized request argument supplied: web_search_options.${key}`;
  if (o.search_context_size !== undefined && !CONTEXT_SIZES.includes(o.search_context_size as string)) return `Invalid value: '${String(o.search_context_size)}'. Supported values are: 'low', 'medium', and 'high'.`;
  if (o.user_location !== undefined && o.user_location !== null && (o.user_location.type !== "approximate" || typeof o.user_location.approximate !== "object")) return "Invalid 'web_search_options.user_location': expected type 'approximate' with an 'approximate' object.";
  return undefined;
}

/** A search model's url_citation annotation over SEARCHED_TEXT. */
export const OPENAI_ANNOTATIONS = [{ type: "url_citation", url_citation: { ...MOCK_RESULT, start_index: 0, end_index: SEARCHED_TEXT.length } }];
