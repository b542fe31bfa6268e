// What the tests of answers ending with trailers (test/integration/response-trailers.test.ts) send
// and answer: a config with LLM and MCP routes, the providers' answers and streams, and Envoy with
// every provider's cluster speaking HTTP/2 to the h2c upstream (support/trailers-upstream.ts).
import { stringify } from "yaml";
import { buildBootstrap } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { WASM_PATH } from "./filter.js";

export const TRAILERS = { "x-upstream-checksum": "c0ffee" };
export const MCP_HEADERS = { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" };

export const TRAILERS_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "claude", type: "anthropic", apiKeys: [{ value: "sk-ant-trailers" }] },
    { name: "oa", type: "openai", apiKeys: [{ value: "sk-oa-trailers" }] },
    { name: "gem", type: "gemini", apiKeys: [{ value: "gem-trailers" }] },
    { name: "tools-json", type: "mcp", host: "json.mcp.test", port: 8080, basePath: "/mcp-json" },
    { name: "tools-sse", type: "mcp", host: "sse.mcp.test", port: 8080, basePath: "/mcp-sse" },
  ],
  routes: [
    { name: "to-claude", match: { host: "claude.llm" }, backends: [{ provider: "claude", model: "claude-sonnet-4-5" }] },
    { name: "to-openai", match: { host: "gpt.llm" }, backends: [{ provider: "oa" }] },
    { name: "to-gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gem", model: "gemini-2.5-flash" }] },
    { name: "json-tools", match: { host: "json.mcp.test" }, backends: [{ provider: "tools-json" }], mcp: { tools: ["get_*"] } },
    { name: "sse-tools", match: { host: "sse.mcp.test" }, backends: [{ provider: "tools-sse" }], mcp: { tools: ["get_*"] } },
  ],
};

export const ANTHROPIC_ANSWER = JSON.stringify({
  id: "msg_trailers", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "hi from claude" }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 4 },
});
export const OPENAI_ANSWER = JSON.stringify({
  id: "chatcmpl-trailers", object: "chat.completion", created: 1, model: "gpt-4o",
  choices: [{ index: 0, message: { role: "assistant", content: "hi from openai" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
});
const TOOLS = [{ name: "get_issue", inputSchema: { type: "object" } }, { name: "delete_repo", inputSchema: { type: "object" } }, { name: "get_user", inputSchema: { type: "object" } }];
export const toolsList = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, result: { tools: TOOLS } });
export const SSE_ANSWER = `event: message\ndata: ${toolsList(1)}\n\n`;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
export const ANTHROPIC_STREAM = [
  sse("message_start", { type: "message_start", message: { id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi from " } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "claude" } }),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 4 } }),
  sse("message_stop", { type: "message_stop" }),
].join("");
const openaiChunk = (delta: Record<string, unknown>, finish: string | null) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
/** An OpenAI-compatible stream that ends without [DONE], as some servers' do. */
export const OPENAI_STREAM_NO_DONE = openaiChunk({ role: "assistant", content: "hi from " }, null) + openaiChunk({ content: "openai" }, null) + openaiChunk({}, "stop");

/** Gemini's stream has no terminator: the translation ends the client's stream with [DONE] at its end. */
export const GEMINI_STREAM = [
  { candidates: [{ content: { role: "model", parts: [{ text: "hi from " }] }, index: 0 }] },
  { candidates: [{ content: { role: "model", parts: [{ text: "gemini" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 } },
].map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join("");

/** `text` in `n` pieces of about equal size (each its own DATA frame). */
export const pieces = (text: string, n: number) => Array.from({ length: n }, (_, i) => text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));
export const chat = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
export const listRequest = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

/** Envoy with llm-mesh; every provider's cluster goes to the h2c upstream over HTTP/2. */
export async function startTrailersEnvoy(upstreamPort: number): Promise<RunningEnvoy> {
  const at = { address: "127.0.0.1", port: upstreamPort };
  const bootstrap = buildBootstrap({
    wasmPath: WASM_PATH, pluginConfig: TRAILERS_CONFIG, statsFlushIntervalMs: 1000,
    providerUpstreams: Object.fromEntries(TRAILERS_CONFIG.providers.map((p) => [p.name, at])),
  }) as { static_resources: { clusters: Record<string, unknown>[] } };
  for (const c of bootstrap.static_resources.clusters) {
    c.typed_extension_protocol_options = { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": { "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config: { http2_protocol_options: {} } } };
  }
  return await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }) });
}
