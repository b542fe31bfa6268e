// Translation in real Envoy. First the translation rows (the same data the emulator runs) against
// an upstream that answers each row's canned response in small writes; then the official SDKs
// (openai, @anthropic-ai/sdk), streaming and not, with parallel tool calls, empty arguments and
// tool results carrying images, against mock providers that check every request as the real
// APIs do.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { send, Stack, startStack } from "../support/envoy.js";
import { WASM_PATH, json } from "../support/filter.js";
import { BEDROCK_CONFIG, BEDROCK_ENV, GEMINI_CONFIG, TRANSLATE_CONFIG, VERTEX_CONFIG } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { startMockProviders } from "../../src-host-tools/mock/providers.js";
import { startMockMetadataServer } from "../../src-host-tools/mock/metadata.js";
import { BEDROCK_ROWS, GEMINI_ROWS, TRANSLATION_ROWS, TranslationRow, VERTEX_ROWS, answerBytes, parseSse } from "../support/translation-rows.js";
// Adds the thinking and reasoning rows to the tables above.
import "../support/thinking-rows.js";
import "../support/web-search-rows.js";
import { CannedUpstream } from "../support/canned-upstream.js";

describe.each([
  ["Anthropic and OpenAI, body mode", TRANSLATE_CONFIG, TRANSLATION_ROWS, "body"],
  ["Anthropic and OpenAI, headers mode", TRANSLATE_CONFIG, TRANSLATION_ROWS, "headers"],
  ["Gemini, body mode", GEMINI_CONFIG, GEMINI_ROWS, "body"],
  ["Bedrock, body mode", BEDROCK_CONFIG, BEDROCK_ROWS, "body"],
  ["Vertex AI, body mode", VERTEX_CONFIG, VERTEX_ROWS, "body"],
] as const)("translation rows in real Envoy: %s", (_name, pluginConfig, rows, mode) => {
  const upstream = new CannedUpstream();
  let envoy: RunningEnvoy;
  beforeAll(async () => {
    const port = await upstream.start();
    const config = bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig, mockUpstream: { address: "127.0.0.1", port }, requestMode: mode, env: { values: BEDROCK_ENV } });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config });
  });
  afterAll(async () => { await envoy?.stop(); await upstream.close(); });

  it.each(rows)("$name", async (row) => {
    upstream.row = row;
    upstream.received.length = 0;
    const body = typeof row.request === "string" ? row.request : JSON.stringify(row.request);
    const reply = await send(envoy.url, { host: row.host, path: row.path, body, headers: { authorization: "Bearer client-held-secret", ...(row.headers ?? {}) } });
    if (row.reply) {
      expect(reply.status).toBe(row.reply.status);
      expect(json(reply.body)).toEqual(row.reply.body);
      expect(upstream.received).toHaveLength(0);
      return;
    }
    expect(upstream.received).toHaveLength(1);
    const got = upstream.received[0];
    if (row.upstream) {
      expect(got.path).toBe(row.upstream.path);
      expect(got.path).not.toMatch(/[?&]key=/);
      for (const [name, value] of Object.entries(row.upstream.headers ?? {})) if (!name.startsWith(":")) expect(got.headers[name], name).toEqual(value);
      if (row.upstream.exactBody !== undefined) expect(got.body).toBe(row.upstream.exactBody);
      if (row.upstream.body !== undefined) expect(json(got.body)).toEqual(row.upstream.body);
    }
    expect(got.body).not.toMatch(/client-held-secret|client-anthropic-key|client-token/);
    if (!row.client) return;
    expect(reply.status).toBe(row.client.status);
    for (const [name, value] of Object.entries(row.client.headers ?? {})) expect(reply.headers[name], name).toEqual(value);
    if (row.client.exactBody !== undefined) expect(reply.body).toBe(row.client.exactBody);
    else if (row.client.events) expect(parseSse(reply.body)).toEqual(row.client.events);
    else expect(json(reply.body)).toEqual(row.client.body);
  });
});

describe("official SDKs through real Envoy against API-checking mock providers", () => {
  let stack: Stack;
  const clients = (host: string) => {
    const recorder = fetchWithHost(host);
    return {
      recorder,
      openai: new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: recorder.fetch, maxRetries: 0 }),
      anthropic: new Anthropic({ apiKey: "client-anthropic-key", baseURL: stack.envoy.url, fetch: recorder.fetch, maxRetries: 0 }),
    };
  };
  beforeAll(async () => {
    stack = await startStack(TRANSLATE_CONFIG, { acceptedKeys: { anthropic: ["test-anthropic-key"], openai: ["test-openai-key"], groq: ["test-groq-key"] } });
  });
  afterAll(async () => { await stack?.stop(); });

  const openaiTools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
  ];
  const anthropicTools: Anthropic.Tool[] = [
    { name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    { name: "now", input_schema: { type: "object", properties: {} } },
  ];
  const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

  it("openai SDK → Claude: a chat completion", async () => {
    const { openai } = clients("claude.llm");
    const before = stack.mock.received.length;
    const done = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(done.choices[0].message.content).toBe("Hello from mock anthropic (claude-sonnet-4-5).");
    expect(done.choices[0].finish_reason).toBe("stop");
    expect(done.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 6, total_tokens: 17, prompt_tokens_details: { cached_tokens: 2 } });
    const got = stack.mock.received[before];
    expect(got.path).toBe("/v1/messages");
    expect(got.headers["x-api-key"]).toBe("test-anthropic-key");
    expect(got.headers.authorization).toBeUndefined();
    expect(got.body).toMatchObject({ system: [{ type: "text", text: "Be brief." }], max_tokens: 4096 });
  });

  it("openai SDK → Claude: parallel tool calls (one with empty arguments), then tool results with an image", async () => {
    const { openai } = clients("claude.llm");
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather and time?" }];
    const first = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages, tools: openaiTools });
    const calls = first.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(first.choices[0].finish_reason).toBe("tool_calls");
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    messages.push(first.choices[0].message as OpenAI.Chat.ChatCompletionMessageParam);
    messages.push({ role: "tool", tool_call_id: calls[0].id, content: "18C" });
    // An image in a tool result: not in OpenAI's types, but Anthropic takes it and clients send it.
    messages.push({ role: "tool", tool_call_id: calls[1].id, content: [{ type: "text", text: "clock:" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] } as unknown as OpenAI.Chat.ChatCompletionMessageParam);
    const second = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages, tools: openaiTools });
    expect(second.choices[0].message.content).toBe("Hello from mock anthropic (claude-sonnet-4-5). Seen: 2 tool results, 1 images.");
  });

  it("openai SDK → Claude: a streamed answer with parallel tool calls, accumulated by the SDK, with the usage chunk", async () => {
    const { openai } = clients("claude.llm");
    const stream = openai.chat.completions.stream({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], tools: openaiTools, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => chunks.push(c));
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([["toolu_mock_1", "get_weather", "{\"city\":\"city-value\"}"], ["toolu_mock_2", "now", "{}"]]);
    expect(final.choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 6 });
    // Argument deltas arrived in pieces, as Anthropic streamed them.
    expect(chunks.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments).length).toBeGreaterThanOrEqual(3);
  });

  it("openai SDK → Claude: streamed text", async () => {
    const { openai } = clients("claude.llm");
    const stream = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], stream: true });
    let text = "";
    let pieces = 0;
    for await (const c of stream) { text += c.choices[0]?.delta.content ?? ""; pieces++; }
    expect(text).toBe("Hello from mock anthropic (claude-sonnet-4-5).");
    expect(pieces).toBeGreaterThan(4);
  });

  it("openai SDK → Claude: what Anthropic refuses comes back as the SDK's BadRequestError, in OpenAI's shape", async () => {
    const { openai } = clients("claude.llm");
    const error = await openai.chat.completions.create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], temperature: 1.7 }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: "invalid_request_error", message: "temperature: Input should be less than or equal to 1" });
  });

  it("anthropic SDK → OpenAI: a message, with system", async () => {
    const { anthropic } = clients("gpt.llm");
    const before = stack.mock.received.length;
    const message = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: "Hi" }] });
    expect(message.content).toEqual([{ type: "text", text: "Hello from mock openai (gpt-4o)." }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 5, output_tokens: 7 });
    const got = stack.mock.received[before];
    expect(got.path).toBe("/v1/chat/completions");
    expect(got.headers.authorization).toBe("Bearer test-openai-key");
    expect(got.headers["x-api-key"]).toBeUndefined();
    expect(got.body).toMatchObject({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_completion_tokens: 64 });
  });

  it("anthropic SDK → Groq: parallel tool use, then tool results (one carrying an image)", async () => {
    const { anthropic } = clients("groq.llm");
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather and time?" }];
    const first = await anthropic.messages.create({ model: "llama-3.3-70b-versatile", max_tokens: 64, messages, tools: anthropicTools });
    expect(first.stop_reason).toBe("tool_use");
    const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    expect(uses.map((u) => [u.name, u.input])).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    messages.push({ role: "assistant", content: first.content });
    messages.push({ role: "user", content: [
      { type: "tool_result", tool_use_id: uses[0].id, content: "18C" },
      { type: "tool_result", tool_use_id: uses[1].id, content: [{ type: "text", text: "clock:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
    ] });
    const second = await anthropic.messages.create({ model: "llama-3.3-70b-versatile", max_tokens: 64, messages, tools: anthropicTools });
    expect(second.content).toEqual([{ type: "text", text: "Hello from mock groq (llama-3.3-70b-versatile). Seen: 2 tool results, 1 images." }]);
  });

  it("anthropic SDK → OpenAI: a stream with parallel tool use, accumulated by the SDK's MessageStream", async () => {
    const { anthropic } = clients("gpt.llm");
    const stream = anthropic.messages.stream({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "x" }], tools: anthropicTools });
    const events: string[] = [];
    stream.on("streamEvent", (e) => events.push(e.type));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content.map((b) => b.type === "tool_use" ? [b.name, b.input] : b.type)).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    expect(final.usage).toMatchObject({ input_tokens: 5, output_tokens: 7 });
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
  });

  it("anthropic SDK → OpenAI: streamed text", async () => {
    const { anthropic } = clients("gpt.llm");
    const stream = anthropic.messages.stream({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "x" }] });
    let text = "";
    stream.on("text", (t) => { text += t; });
    const final = await stream.finalMessage();
    expect(text).toBe("Hello from mock openai (gpt-4o).");
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: "text", text });
  });

  // Issue 23: OpenAI's strict mode refuses open objects and optional properties (the mock too, as the
  // real API does); Anthropic's schemas may have both, so strict is sent only when the schema qualifies.
  it.each([
    ["closed, all required", true, { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false }],
    ["an optional property", false, { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name"], additionalProperties: false }],
    ["a nested open object", false, { type: "object", properties: { p: { type: "object", properties: {} } }, required: ["p"], additionalProperties: false }],
  ] as const)("structured output: anthropic SDK → OpenAI, a schema with %s is sent strict: %s and answered 200 by a mock that checks strict schemas", async (_label, strict, schema) => {
    const { anthropic, openai } = clients("gpt.llm");
    const before = stack.mock.received.length;
    const message = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: { format: { type: "json_schema", schema } } } as never);
    expect(message.content).toEqual([{ type: "text", text: "Hello from mock openai (gpt-4o)." }]);
    expect(stack.mock.received.slice(before).map((r) => [r.status, (r.body as { response_format?: unknown }).response_format]))
      .toEqual([[200, { type: "json_schema", json_schema: { name: "output", schema, strict } }]]);
    // The same schema sent strict by an OpenAI client on the same-API route: the mock refuses what OpenAI refuses.
    const direct = await openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Who?" }],
      response_format: { type: "json_schema", json_schema: { name: "output", schema, strict: true } } }).then(() => 200, (e) => e.status);
    expect(direct).toBe(strict ? 200 : 400);
  });

  it("anthropic SDK → OpenAI: a filter refusal is the SDK's BadRequestError with Anthropic's error type", async () => {
    const { anthropic } = clients("gpt.llm");
    const error = await anthropic.messages.create({ model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ type: "code_execution_20250522", name: "code_execution" } as unknown as Anthropic.Tool] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("anthropic SDK → Claude: native, the body arrives byte for byte; streaming and count_tokens work", async () => {
    const { anthropic, recorder } = clients("claude.llm");
    const before = stack.mock.received.length;
    const message = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }], tools: anthropicTools, tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    expect(message.content.map((b) => b.type)).toEqual(["tool_use"]);
    expect(stack.mock.received[before].rawBody).toBe(recorder.sent.at(-1)!.body);
    expect(stack.mock.received[before].headers["x-api-key"]).toBe("test-anthropic-key");
    const streamed = await anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: "text", text: "Hello from mock anthropic (claude-sonnet-4-5)." });
    const count = await anthropic.messages.countTokens({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] });
    expect(count.input_tokens).toBeGreaterThan(0);
  });

  it("openai SDK, Responses API: native on OpenAI, translated for Groq, composed for Claude; streams and function calls", async () => {
    const native = await clients("gpt.llm").openai.responses.create({ model: "gpt-4o", input: "Hi" });
    expect(native.output_text).toBe("Hello from mock openai (gpt-4o) via the Responses API.");
    expect(stack.mock.received.at(-1)!.path).toBe("/v1/responses");

    const groq = clients("groq.llm").openai;
    const translated = await groq.responses.create({ model: "llama-3.3-70b-versatile", instructions: "Be brief.", input: "Hi" });
    expect(translated.output_text).toBe("Hello from mock groq (llama-3.3-70b-versatile).");
    expect(stack.mock.received.at(-1)!.path).toBe("/openai/v1/chat/completions");

    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: false },
      { type: "function", name: "now", parameters: { type: "object", properties: {} }, strict: false },
    ];
    const first = await groq.responses.create({ model: "llama-3.3-70b-versatile", input: "Weather and time?", tools });
    const calls = first.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === "function_call");
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    const second = await groq.responses.create({ model: "llama-3.3-70b-versatile", tools, input: [
      { role: "user", content: "Weather and time?" },
      ...calls.map((c) => ({ type: "function_call" as const, call_id: c.call_id, name: c.name, arguments: c.arguments })),
      ...calls.map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: "ok" })),
    ] });
    expect(second.output_text).toBe("Hello from mock groq (llama-3.3-70b-versatile). Seen: 2 tool results.");

    const stream = groq.responses.stream({ model: "llama-3.3-70b-versatile", input: "x" });
    let deltas = "";
    stream.on("response.output_text.delta", (e) => { deltas += e.delta; });
    const streamed = await stream.finalResponse();
    expect(streamed.output_text).toBe("Hello from mock groq (llama-3.3-70b-versatile).");
    expect(deltas).toBe(streamed.output_text);

    const claude = clients("claude.llm").openai;
    const composed = await claude.responses.stream({ model: "claude-sonnet-4-5", input: "x", max_output_tokens: 32 }).finalResponse();
    expect(composed.output_text).toBe("Hello from mock anthropic (claude-sonnet-4-5).");
    expect(stack.mock.received.at(-1)!.path).toBe("/v1/messages");
  });

  it("both SDKs list a route's models in their own shape", async () => {
    const { anthropic, openai } = clients("capped.llm");
    const anthropicIds: string[] = [];
    for await (const m of anthropic.models.list()) anthropicIds.push(m.id);
    expect(anthropicIds).toEqual(["claude-haiku-4-5"]);
    const openaiIds: string[] = [];
    for await (const m of openai.models.list()) openaiIds.push(m.id);
    expect(openaiIds).toEqual(["claude-haiku-4-5"]);
  });
});

describe("openai SDK through real Envoy to the API-checking Gemini mock", () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(GEMINI_CONFIG, { acceptedKeys: { gemini: ["test-gemini-key"] } }); });
  afterAll(async () => { await stack?.stop(); });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
  ];
  const client = () => new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("gemini.llm").fetch, maxRetries: 0 });

  it("a completion, then parallel function calls answered with tool results, then a streamed answer", async () => {
    const openai = client();
    const before = stack.mock.received.length;
    const hello = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(hello.choices[0].message.content).toBe("Hello from mock gemini (gemini-2.5-flash).");
    expect(hello.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 5 });
    const got = stack.mock.received[before];
    expect(got.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(got.headers["x-goog-api-key"]).toBe("test-gemini-key");
    expect(got.query.has("key")).toBe(false);

    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather and time?" }];
    const first = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages, tools });
    const calls = first.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(first.choices[0].finish_reason).toBe("tool_calls");
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    messages.push(first.choices[0].message as OpenAI.Chat.ChatCompletionMessageParam);
    for (const c of calls) messages.push({ role: "tool", tool_call_id: c.id, content: c.function.name === "now" ? "{\"time\":\"12:00\"}" : "18C" });
    const second = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages, tools });
    expect(second.choices[0].message.content).toBe("Hello from mock gemini (gemini-2.5-flash). Seen: 2 tool results.");

    const stream = openai.chat.completions.stream({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: true } });
    let text = "";
    stream.on("content", (delta) => { text += delta; });
    const final = await stream.finalChatCompletion();
    expect(text).toBe("Hello from mock gemini (gemini-2.5-flash).");
    expect(final.choices[0].finish_reason).toBe("stop");
    expect(stack.mock.received.at(-1)!.url).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  });

  it("embeddings: the SDK's default base64 vectors decode to Gemini's floats", async () => {
    const result = await client().embeddings.create({ model: "gemini-embedding-001", input: ["a", "b"], dimensions: 3 });
    expect(result.data.map((d) => d.embedding)).toEqual([[0.25, 1.25, 2.25], [0.5, 1.5, 2.5]]);
    expect(stack.mock.received.at(-1)!.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
  });
});

describe("openai SDK through real Envoy to the SigV4-verifying Bedrock mock", () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(BEDROCK_CONFIG, { env: { values: BEDROCK_ENV } }); });
  afterAll(async () => { await stack?.stop(); });
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } },
  ];
  const client = () => new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("bedrock.llm").fetch, maxRetries: 0 });
  const model = "anthropic.claude-3-5-sonnet-20240620-v1:0";

  it("a signed completion, parallel tool use answered with results, and a binary stream read by the SDK", async () => {
    const openai = client();
    const before = stack.mock.received.length;
    const hello = await openai.chat.completions.create({ model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(hello.choices[0].message.content).toBe(`Hello from mock bedrock (${model}).`);
    const got = stack.mock.received[before];
    expect(got.status).toBe(200);
    expect(got.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expect(got.headers.host).toBe("bedrock-runtime.us-east-1.amazonaws.com");

    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather and time?" }];
    const first = await openai.chat.completions.create({ model, messages, tools });
    const calls = first.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([["get_weather", { city: "city-value" }], ["now", {}]]);
    messages.push(first.choices[0].message as OpenAI.Chat.ChatCompletionMessageParam);
    for (const c of calls) messages.push({ role: "tool", tool_call_id: c.id, content: "ok" });
    const second = await openai.chat.completions.create({ model, messages, tools });
    expect(second.choices[0].message.content).toBe(`Hello from mock bedrock (${model}). Seen: 2 tool results.`);

    const stream = openai.chat.completions.stream({ model, messages: [{ role: "user", content: "x" }], tools, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    stream.on("chunk", (c) => chunks.push(c));
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0].message.tool_calls as OpenAI.Chat.ChatCompletionMessageFunctionToolCall[];
    expect(streamed.map((c) => [c.function.name, c.function.arguments])).toEqual([["get_weather", "{\"city\":\"city-value\"}"], ["now", "{}"]]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 4 });
    expect(stack.mock.received.at(-1)!.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  });

  it("structured output: the SDK's json_schema response_format reaches the mock as Converse's outputConfig.textFormat, and is accepted", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
    const before = stack.mock.received.length;
    const done = await client().chat.completions.create({ model, messages: [{ role: "user", content: "Who?" }],
      response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema } } });
    expect(done.choices[0].message.content).toBe(`Hello from mock bedrock (${model}).`);
    const got = stack.mock.received[before];
    expect(got.status).toBe(200);
    expect(got.body?.outputConfig).toEqual({ textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(schema), name: "person" } } } });
  });

  it("a request the mock cannot verify (wrong secret) is refused by AWS's rule, reported in OpenAI's shape", async () => {
    const bad = await startStack(BEDROCK_CONFIG, { env: { values: { ...BEDROCK_ENV, AWS_SECRET_ACCESS_KEY: "not-the-secret" } } });
    try {
      const openai = new OpenAI({ apiKey: "x", baseURL: `${bad.envoy.url}/v1`, fetch: fetchWithHost("bedrock.llm").fetch, maxRetries: 0 });
      const error = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
      expect(error.status).toBe(403);
      expect(error.error.message).toMatch(/signature we calculated does not match/);
      expect(JSON.stringify(error.error)).not.toContain("not-the-secret");
    } finally {
      await bad.stop();
    }
  });
});

describe("SDKs through real Envoy to the Vertex AI mock (Gemini and Claude models)", () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(VERTEX_CONFIG, { acceptedKeys: { vertex: ["test-vertex-token"] } }); });
  afterAll(async () => { await stack?.stop(); });

  it("openai SDK on a Gemini and a Claude model; anthropic SDK on the Claude model, streamed", async () => {
    const recorder = fetchWithHost("vertex.llm");
    const openai = new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: recorder.fetch, maxRetries: 0 });
    const gemini = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
    expect(gemini.choices[0].message.content).toBe("Hello from mock gemini (gemini-2.5-flash).");
    expect(stack.mock.received.at(-1)!.path).toBe("/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent");
    expect(stack.mock.received.at(-1)!.headers.authorization).toBe("Bearer test-vertex-token");

    const claude = await openai.chat.completions.create({ model: "claude-sonnet-4-5@20250929", messages: [{ role: "user", content: "Hi" }] });
    expect(claude.choices[0].message.content).toBe("Hello from mock anthropic (claude-sonnet-4-5@20250929).");
    expect(stack.mock.received.at(-1)!.path).toBe("/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict");

    const anthropic = new Anthropic({ apiKey: "client-anthropic-key", baseURL: stack.envoy.url, fetch: recorder.fetch, maxRetries: 0 });
    const streamed = await anthropic.messages.stream({ model: "claude-sonnet-4-5@20250929", max_tokens: 32, messages: [{ role: "user", content: "Hi" }] }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: "text", text: "Hello from mock anthropic (claude-sonnet-4-5@20250929)." });
    expect(stack.mock.received.at(-1)!.url).toBe("/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict");
  });
});

describe("Vertex AI in real Envoy with the token from a metadata server (GKE Workload Identity)", () => {
  it("fetches the token through Envoy's cluster at start, then signs every request with it", async () => {
    const metadata = await startMockMetadataServer("ya29.from-metadata");
    const config = { ...VERTEX_CONFIG, providers: [{ name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", tokenFromMetadataServer: true }] };
    const mock = await startMockProviders([{ ...config.providers[0], acceptedKeys: ["ya29.from-metadata"] }]);
    const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({
      wasmPath: WASM_PATH, pluginConfig: config, mockUpstream: { address: "127.0.0.1", port: mock.port }, metadataServer: { address: "127.0.0.1", port: metadata.port } }) });
    try {
      // Every worker's VM asks once at start; wait for the answers to land.
      for (let i = 0; i < 50 && metadata.calls === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 300));
      const openai = new OpenAI({ apiKey: "client-held-secret", baseURL: `${envoy.url}/v1`, fetch: fetchWithHost("vertex.llm").fetch, maxRetries: 0 });
      const done = await openai.chat.completions.create({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] });
      expect(done.choices[0].message.content).toBe("Hello from mock gemini (gemini-2.5-flash).");
      expect(mock.received.at(-1)!.headers.authorization).toBe("Bearer ya29.from-metadata");
      expect(metadata.calls).toBeGreaterThan(0);
    } finally {
      await envoy.stop();
      await mock.close();
      await metadata.close();
    }
  });
});
