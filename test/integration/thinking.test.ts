// Thinking and reasoning across APIs through real Envoy, with the official SDKs (docs/translation.md,
// "Thinking and reasoning"): Anthropic thinking to OpenAI, Gemini and Bedrock backends and back,
// OpenAI reasoning_effort to Anthropic and Gemini, tool loops in which the mocks refuse a turn sent
// back without its thought signature or thinking block (as Gemini 3 and Claude do), and reasoning
// tokens in the client's usage.
import Anthropic from "@anthropic-ai/sdk";
import { Content, FunctionDeclaration, GoogleGenAI, Type } from "@google/genai";
import OpenAI from "openai";
import type { RunnableToolFunctionWithParse } from "openai/lib/RunnableFunction";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, startStack } from "../support/envoy.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { MOCK_THOUGHT, checkAnthropicThinking, mockSignature } from "../../src-host-tools/mock/thinking.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
  ],
  routes: [
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
    { name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] },
  ],
};

const BEDROCK_CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const GEMINI_3 = "gemini-3-pro-preview";
const WEATHER_PARAMS = { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(CONFIG, { acceptedKeys: { anthropic: ["test-anthropic-key"], openai: ["test-openai-key"], gemini: ["test-gemini-key"] }, env: { values: BEDROCK_ENV } });
});
afterAll(async () => { await stack?.stop(); });

const anthropicFor = (host: string) => new Anthropic({ apiKey: "client-anthropic-key", baseURL: stack.envoy.url, fetch: fetchWithHost(host).fetch, maxRetries: 0 });
const openaiFor = (host: string) => new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost(host).fetch, maxRetries: 0 });
const lastBody = (): any => stack.mock.received.at(-1)!.body;

describe("anthropic SDK with thinking: a tool loop through Gemini and Bedrock, thinking and signatures sent back unchanged", () => {
  // Opus 4.7 takes only adaptive thinking (the mock refuses a budget there, as Anthropic does).
  const BUDGET = { thinking: { type: "enabled", budget_tokens: 2048 } };
  const ADAPTIVE = { thinking: { type: "adaptive" }, output_config: { effort: "low" } };
  it.each([
    ["bedrock.llm", BEDROCK_CLAUDE, false, BUDGET],
    ["bedrock.llm", BEDROCK_CLAUDE, true, BUDGET],
    ["bedrock.llm", "us.anthropic.claude-opus-4-7-v1:0", true, ADAPTIVE],
    ["gemini.llm", GEMINI_3, false, undefined],
    ["gemini.llm", GEMINI_3, true, undefined],
  ])("%s %s (stream: %s)", async (host, model, stream, bedrockFields) => {
    const client = anthropicFor(host);
    const tools: Anthropic.Tool[] = [{ name: "get_weather", input_schema: WEATHER_PARAMS }];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const params = { model, max_tokens: 6000, thinking: { type: "enabled" as const, budget_tokens: 2048 }, tools, messages };
    const ask = () => (stream ? client.messages.stream(params).finalMessage() : client.messages.create(params));

    const first = await ask();
    const sent = lastBody();
    if (host === "bedrock.llm") {
      expect(sent.additionalModelRequestFields).toEqual(bedrockFields);
      expect(first.content[0]).toEqual({ type: "thinking", thinking: MOCK_THOUGHT, signature: mockSignature("bedrock", MOCK_THOUGHT) });
    } else {
      expect(sent.generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingLevel: "low" });
      expect(first.content[0]).toEqual({ type: "thinking", thinking: MOCK_THOUGHT, signature: "" });
    }
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;

    // Replayed as Claude Code replays it: the assistant content as received, then the tool's result.
    messages.push({ role: "assistant", content: first.content as Anthropic.ContentBlockParam[] });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18C" }] });
    const second = await ask();
    expect(second.content.at(-1)).toEqual({ type: "text", text: `Hello from mock ${host.split(".")[0]} (${model}). Seen: 1 tool results.` });
    const back = lastBody();
    if (host === "bedrock.llm") expect(back.messages[1].content[0]).toEqual({ reasoningContent: { reasoningText: { text: MOCK_THOUGHT, signature: mockSignature("bedrock", MOCK_THOUGHT) } } });
    else expect(back.contents[1].parts[0].thoughtSignature).toBe(mockSignature("gemini", "get_weather"));
  });

  it("without the signature in the tool_use id, the Gemini 3 mock refuses the turn as Gemini does (the check is real)", async () => {
    const client = anthropicFor("gemini.llm");
    const tools: Anthropic.Tool[] = [{ name: "get_weather", input_schema: WEATHER_PARAMS }];
    const error = await client.messages.create({ model: GEMINI_3, max_tokens: 100, tools, messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: [{ type: "tool_use", id: "call_0", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_0", content: "18C" }] },
    ] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain("Function call is missing a thought_signature");
  });

  it("gpt.llm: adaptive thinking with output_config.effort reaches OpenAI as reasoning_effort, and no hub field goes with it", async () => {
    const client = anthropicFor("gpt.llm");
    await client.messages.create({ model: "gpt-5.2", max_tokens: 8000, thinking: { type: "adaptive" }, output_config: { effort: "high" }, messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: "sig" }, { type: "text", text: "Hello" }] },
      { role: "user", content: "Again" },
    ] } as Anthropic.MessageCreateParamsNonStreaming);
    const sent = lastBody();
    expect(sent.reasoning_effort).toBe("high");
    expect(JSON.stringify(sent)).not.toMatch(/reasoning_budget|reasoning_content|reasoning_signature|thinking/);
  });
});

describe("openai SDK with reasoning_effort to Anthropic and Gemini", () => {
  it("claude.llm: reasoning_effort is a thinking budget; thinking comes back as reasoning_content with its signature", async () => {
    const completion = await openaiFor("claude.llm").chat.completions.create({ model: "claude-sonnet-4-5", reasoning_effort: "low", max_completion_tokens: 4000, messages: [{ role: "user", content: "Hi" }] });
    expect(lastBody().thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    const message = completion.choices[0].message as unknown as Record<string, unknown>;
    expect([message.reasoning_content, message.reasoning_signature]).toEqual([MOCK_THOUGHT, mockSignature("anthropic", MOCK_THOUGHT)]);
  });

  it("claude.llm: a tool loop with thinking: the message sent back as received carries its thinking, and Anthropic's pass-back check passes", async () => {
    const client = openaiFor("claude.llm");
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: WEATHER_PARAMS } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather?" }];
    const first = await client.chat.completions.create({ model: "claude-sonnet-4-5", reasoning_effort: "low", max_completion_tokens: 4000, messages, tools });
    const message = first.choices[0].message;
    messages.push(message as OpenAI.ChatCompletionAssistantMessageParam, { role: "tool", tool_call_id: message.tool_calls![0].id, content: "18C" });
    const second = await client.chat.completions.create({ model: "claude-sonnet-4-5", reasoning_effort: "low", max_completion_tokens: 4000, messages, tools });
    expect(second.choices[0].message.content).toBe("Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.");
    expect(lastBody().thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(lastBody().messages[1].content[0]).toEqual({ type: "thinking", thinking: MOCK_THOUGHT, signature: mockSignature("anthropic", MOCK_THOUGHT) });
  });

  it("claude.llm: runTools, which sends assistant messages back without reasoning fields: thinking is left out of that turn, and the loop finishes", async () => {
    const calls: unknown[] = [];
    const tool: RunnableToolFunctionWithParse<{ city: string }> = { type: "function", function: { name: "get_weather", description: "Weather", parameters: WEATHER_PARAMS,
      parse: (text: string) => JSON.parse(text) as { city: string }, function: (args) => { calls.push(args); return "18C"; } } };
    const runner = openaiFor("claude.llm").chat.completions.runTools({ model: "claude-sonnet-4-5", reasoning_effort: "low", max_completion_tokens: 4000, messages: [{ role: "user", content: "Weather?" }], tools: [tool] });
    expect(await runner.finalContent()).toBe("Hello from mock anthropic (claude-sonnet-4-5). Seen: 1 tool results.");
    expect(calls).toEqual([{ city: "city-value" }]);
    expect(lastBody().thinking).toBeUndefined();
    expect(lastBody().messages[1].content.map((b: { type: string }) => b.type)).toEqual(["tool_use"]);
  });

  it("gemini.llm: reasoning_effort is a thinkingBudget on Gemini 2.5; thoughts are reasoning_content; thoughts tokens are reasoning tokens", async () => {
    const completion = await openaiFor("gemini.llm").chat.completions.create({ model: "gemini-2.5-flash", reasoning_effort: "medium", messages: [{ role: "user", content: "Hi" }] });
    expect(lastBody().generationConfig.thinkingConfig).toEqual({ includeThoughts: true, thinkingBudget: 8192 });
    expect((completion.choices[0].message as unknown as Record<string, unknown>).reasoning_content).toBe(MOCK_THOUGHT);
    expect(completion.usage).toMatchObject({ completion_tokens: 12, completion_tokens_details: { reasoning_tokens: 7 } });
  });

  it.each([false, true])("gemini.llm (Gemini 3): runTools, which keeps no extra_content, round-trips the thought signature in the call id (stream: %s)", async (stream) => {
    const calls: unknown[] = [];
    const tool: RunnableToolFunctionWithParse<{ city: string }> = { type: "function", function: { name: "get_weather", description: "Weather", parameters: WEATHER_PARAMS,
      parse: (text: string) => JSON.parse(text) as { city: string }, function: (args) => { calls.push(args); return "18C"; } } };
    const body = { model: GEMINI_3, messages: [{ role: "user" as const, content: "Weather?" }], tools: [tool] };
    const runner = stream ? openaiFor("gemini.llm").chat.completions.runTools({ ...body, stream: true }) : openaiFor("gemini.llm").chat.completions.runTools(body);
    expect(await runner.finalContent()).toBe(`Hello from mock gemini (${GEMINI_3}). Seen: 1 tool results.`);
    expect(calls).toEqual([{ city: "city-value" }]);
    expect(lastBody().contents[1].parts[0].thoughtSignature).toBe(mockSignature("gemini", "get_weather"));
  });

  it("gemini.llm (Gemini 3): a message sent back with extra_content (Google's convention) round-trips the signature", async () => {
    const client = openaiFor("gemini.llm");
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: WEATHER_PARAMS } }];
    const first = await client.chat.completions.create({ model: GEMINI_3, messages: [{ role: "user", content: "Weather?" }], tools });
    const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall & { extra_content?: unknown };
    expect(call.extra_content).toEqual({ google: { thought_signature: mockSignature("gemini", "get_weather") } });
    // Sent back under a plain id: extra_content alone carries the signature.
    const second = await client.chat.completions.create({ model: GEMINI_3, tools, messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: null, tool_calls: [{ ...call, id: "call_plain" }] } as OpenAI.ChatCompletionAssistantMessageParam,
      { role: "tool", tool_call_id: "call_plain", content: "18C" }] });
    expect(second.choices[0].message.content).toBe(`Hello from mock gemini (${GEMINI_3}). Seen: 1 tool results.`);
  });

  it("gemini.llm (Gemini 3): a Responses tool loop carries the signature in call_id; reasoning tokens in output_tokens_details", async () => {
    const client = openaiFor("gemini.llm");
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "get_weather", parameters: WEATHER_PARAMS, strict: false }];
    const first = await client.responses.create({ model: GEMINI_3, input: "Weather?", tools, reasoning: { effort: "high" } });
    expect(first.usage?.output_tokens_details.reasoning_tokens).toBe(7);
    const call = first.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    // Codex replays the output items as received, then the call's output.
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather?" }, ...(first.output as OpenAI.Responses.ResponseInputItem[]),
      { type: "function_call_output", call_id: call.call_id, output: "18C" }];
    const second = await client.responses.create({ model: GEMINI_3, input, tools });
    expect(second.output_text).toBe(`Hello from mock gemini (${GEMINI_3}). Seen: 1 tool results.`);
    expect(lastBody().contents[1].parts[0].thoughtSignature).toBe(mockSignature("gemini", "get_weather"));
  });
});

// The mocks' thinking checks, as the real APIs make them: without them the rows above would pass a
// mock the real API refuses.
describe("the Anthropic and Bedrock mocks' thinking rules", () => {
  it.each([
    ["claude-sonnet-4-5", { type: "enabled", budget_tokens: 2048 }, 4096, undefined, undefined, undefined],
    ["claude-sonnet-4-5", { type: "enabled", budget_tokens: 2048 }, 2048, undefined, undefined, "`max_tokens` must be greater than `thinking.budget_tokens`"],
    ["claude-sonnet-4-5", { type: "enabled", budget_tokens: 512 }, 4096, undefined, undefined, "greater than or equal to 1024"],
    ["claude-sonnet-4-5", { type: "enabled", budget_tokens: 2048 }, 4096, 0.5, undefined, "`temperature` may only be set to 1"],
    ["claude-sonnet-4-5", { type: "enabled", budget_tokens: 2048 }, 4096, undefined, 0.5, "`top_p` must be greater than or equal to 0.95"],
    ["claude-sonnet-4-5", { type: "adaptive" }, 4096, undefined, undefined, "thinking.type.adaptive is not supported"],
    ["claude-sonnet-4-6", { type: "adaptive" }, 4096, undefined, undefined, undefined],
    ["claude-opus-4-7", { type: "enabled", budget_tokens: 2048 }, 4096, undefined, undefined, "thinking.type.enabled is not supported for this model"],
    ["claude-opus-4-7", { type: "adaptive" }, 100, undefined, undefined, undefined],
  ])("%s %j max_tokens %s temperature %s top_p %s: %s", (model, thinking, maxTokens, temperature, topP, problem) => {
    const found = checkAnthropicThinking(model, thinking, maxTokens, temperature, undefined, topP);
    if (problem === undefined) expect(found).toBeUndefined(); else expect(found).toContain(problem);
  });
});

describe("@google/genai with thinkingConfig: a tool loop through Anthropic and Bedrock-Claude, the thought and its signature sent back", () => {
  const genai = (host: string) => {
    const recorder = fetchWithHost(host);
    return new GoogleGenAI({ apiKey: "client-gemini-secret", httpOptions: { baseUrl: stack.envoy.url, fetch: recorder.fetch as typeof globalThis.fetch } });
  };
  const weather: FunctionDeclaration = { name: "get_weather", parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ["city"] } };

  it.each([
    ["claude.llm", "claude-sonnet-4-5", "anthropic"],
    ["bedrock.llm", BEDROCK_CLAUDE, "bedrock"],
  ])("%s (%s)", async (host, model, provider) => {
    const client = genai(host);
    const config = { tools: [{ functionDeclarations: [weather] }], maxOutputTokens: 4000, thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } };
    const contents: Content[] = [{ role: "user", parts: [{ text: "Weather in Paris?" }] }];
    const first = await client.models.generateContent({ model, contents, config });
    const parts = first.candidates![0].content!.parts!;
    expect(parts[0]).toEqual({ text: MOCK_THOUGHT, thought: true, thoughtSignature: mockSignature(provider, MOCK_THOUGHT) });
    expect(first.usageMetadata).toBeDefined();
    const call = parts.find((p) => p.functionCall)!.functionCall!;
    // The model turn goes back as received (as the SDK's chats do), then the function's response.
    contents.push(first.candidates![0].content!, { role: "user", parts: [{ functionResponse: { id: call.id, name: call.name, response: { result: "18C" } } }] });
    const second = await client.models.generateContent({ model, contents, config });
    expect(second.text).toBe(`Hello from mock ${provider} (${model}). Seen: 1 tool results.`);
  });
});
