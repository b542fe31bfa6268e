// Prompt caching end to end in real Envoy (issue 23, item 4): Claude Code's three cache_control
// marks reach a Bedrock mock as cachePoint blocks, an OpenAI client's marks reach an Anthropic
// mock as cache_control, an OpenAI mock gets no mark but a prompt_cache_key; each mock checks
// the marks as its real API does and reports cache reads and writes like it. The official SDKs
// parse the usage they get back, and the cost counter prices the writes at cacheWrite.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, startStack } from "../support/envoy.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { claudeCodeOnBedrock, claudeCodeRequest, markedChatRequest, promptCacheKey } from "../support/caching-rows.js";
import { checkBedrockBody } from "../../src-host-tools/mock/bedrock.js";
import { checkAnthropicBody } from "../../src-host-tools/mock/anthropic.js";

const PRICE = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
const CONFIG = {
  requestMode: "body",
  metrics: { currency: "USD" },
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }], prices: { "claude-*": PRICE } },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1", prices: { "anthropic.*": PRICE } },
  ],
  routes: ["anthropic", "openai", "bedrock"].map((p) => ({ name: p, match: { host: `${p}.llm` }, backends: [{ provider: p }] })),
};
const BEDROCK_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const SYSTEM_TEXT = (claudeCodeRequest("x").system as { text: string }[]).map((b) => b.text).join("\n\n");

/** The cost counter's value for a route, from Envoy's Prometheus stats. */
async function statValue(stack: Stack, name: string, route: string, extra = ""): Promise<number> {
  const text = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`llm_mesh_route="${route}"`) && l.includes(extra));
  return Number(line?.split(" ").pop() ?? NaN);
}

/** Micro-USD for Anthropic-counted usage at PRICE. */
const micros = (u: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null }) =>
  u.input_tokens * PRICE.input + (u.cache_read_input_tokens ?? 0) * PRICE.cachedInput + (u.cache_creation_input_tokens ?? 0) * PRICE.cacheWrite + u.output_tokens * PRICE.output;

describe("prompt caching through real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(CONFIG, { acceptedKeys: { openai: ["test-openai-key"], anthropic: ["test-anthropic-key"] }, env: { values: BEDROCK_ENV } });
  });
  afterAll(async () => { await stack?.stop(); });

  it("the mocks refuse what the real APIs refuse: a fifth breakpoint, a malformed mark", () => {
    const text = (t: string) => ({ text: t });
    const point = { cachePoint: { type: "default" } };
    const five = { messages: [{ role: "user", content: [text("a"), point, text("b"), point, text("c"), point, text("d"), point, text("e"), point] }] };
    expect(checkBedrockBody(five)).toMatch(/exceeds the maximum of 4/);
    expect(checkBedrockBody({ messages: [{ role: "user", content: [point, text("a")] }] })).toMatch(/must follow the content it caches/);
    expect(checkBedrockBody({ messages: [{ role: "user", content: [text("a"), point] }], system: [text("s"), point], toolConfig: { tools: [{ toolSpec: { name: "t", inputSchema: { json: {} } } }, point] } })).toBeUndefined();
    // Where the model takes none, or not on tools, or not for an hour.
    const oneMessage = { messages: [{ role: "user", content: [text("a"), point] }] };
    expect(checkBedrockBody(oneMessage, "meta.llama3-3-70b-instruct-v1:0")).toMatch(/unsupported model or your request did not allow prompt caching/);
    expect(checkBedrockBody(oneMessage, "us.amazon.nova-pro-v1:0")).toBeUndefined();
    expect(checkBedrockBody({ ...oneMessage, toolConfig: { tools: [{ toolSpec: { name: "t", inputSchema: { json: {} } } }, point] } }, "amazon.nova-pro-v1:0")).toMatch(/unsupported model/);
    const hour = { messages: [{ role: "user", content: [text("a"), { cachePoint: { type: "default", ttl: "1h" } }] }] };
    expect(checkBedrockBody(hour, "anthropic.claude-3-7-sonnet-20250219-v1:0")).toMatch(/1h TTL/);
    expect(checkBedrockBody(hour, "global.anthropic.claude-opus-4-5-20251101-v1:0")).toBeUndefined();
    const mark = { type: "ephemeral" };
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "text", text: `t${i}`, cache_control: mark }));
    expect(checkAnthropicBody("messages", { model: "m", max_tokens: 1, messages: [{ role: "user", content: blocks(5) }] })).toBe("A maximum of 4 blocks with cache_control may be provided. Found 5.");
    expect(checkAnthropicBody("messages", { model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "2h" } }] }] })).toMatch(/ttl/);
  });

  it("Claude Code → Bedrock: three cachePoints where the marks were; the SDK reads a write, then a read; cost priced at cacheWrite", async () => {
    const anthropic = new Anthropic({ apiKey: "client-key", baseURL: stack.envoy.url, fetch: fetchWithHost("bedrock.llm").fetch, maxRetries: 0 });
    const costBefore = (await statValue(stack, "llm_mesh_cost_micros_total", "bedrock")) || 0;
    const request = claudeCodeRequest(BEDROCK_MODEL) as Anthropic.MessageCreateParamsNonStreaming;
    const first = await anthropic.messages.create(request);
    const sent = stack.mock.received.at(-1)!;
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual(claudeCodeOnBedrock);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens ?? 0).toBe(0);
    // The same prefix again: read from the cache, nothing written; the uncached rest is the same.
    const second = await anthropic.messages.create(request);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens ?? 0).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    // Streamed, the same figures arrive in message_delta's usage.
    const streamed = await anthropic.messages.stream(request).finalMessage();
    expect(streamed.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    await new Promise((r) => setTimeout(r, 300));
    expect(await statValue(stack, "llm_mesh_tokens_total", "bedrock", 'gen_ai_token_type="cache_write_input"')).toBe(first.usage.cache_creation_input_tokens);
    const cost = (await statValue(stack, "llm_mesh_cost_micros_total", "bedrock")) - costBefore;
    expect(cost).toBe(Math.floor(micros(first.usage) + micros(second.usage) + micros(streamed.usage)));
  });

  it("OpenAI client with LiteLLM-style marks → Anthropic: the last four as cache_control; usage in prompt_tokens_details; cost priced at cacheWrite", async () => {
    const openai = new OpenAI({ apiKey: "client-key", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("anthropic.llm").fetch, maxRetries: 0 });
    const request = markedChatRequest("claude-sonnet-4-5") as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const first = await openai.chat.completions.create(request);
    const sent = stack.mock.received.at(-1)!;
    expect(sent.status).toBe(200);
    expect((sent.rawBody.match(/"cache_control"/g) ?? []).length).toBe(4);
    const details = first.usage!.prompt_tokens_details as { cached_tokens: number; cache_write_tokens?: number };
    expect(details.cache_write_tokens).toBeGreaterThan(0);
    const stream = await openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    // Prompt tokens include what was read and written, as OpenAI counts them.
    expect(usage!.prompt_tokens).toBe(first.usage!.prompt_tokens);
    expect(usage!.prompt_tokens_details!.cached_tokens).toBe(details.cache_write_tokens);
    await new Promise((r) => setTimeout(r, 300));
    const asAnthropic = (u: OpenAI.CompletionUsage) => {
      const d = u.prompt_tokens_details as { cached_tokens: number; cache_write_tokens?: number };
      return { input_tokens: u.prompt_tokens - d.cached_tokens - (d.cache_write_tokens ?? 0), output_tokens: u.completion_tokens, cache_read_input_tokens: d.cached_tokens, cache_creation_input_tokens: d.cache_write_tokens ?? 0 };
    };
    expect(await statValue(stack, "llm_mesh_cost_micros_total", "anthropic")).toBe(Math.floor(micros(asAnthropic(first.usage!)) + micros(asAnthropic(usage!))));
  });

  it("Claude Code → OpenAI: no cache_control reaches it, prompt_cache_key does; the SDK reads OpenAI's cached tokens as cache_read_input_tokens", async () => {
    const anthropic = new Anthropic({ apiKey: "client-key", baseURL: stack.envoy.url, fetch: fetchWithHost("openai.llm").fetch, maxRetries: 0 });
    const request = claudeCodeRequest("gpt-4o") as Anthropic.MessageCreateParamsNonStreaming;
    const first = await anthropic.messages.create(request);
    const sent = stack.mock.received.at(-1)!;
    expect(sent.status).toBe(200);
    expect(sent.rawBody).not.toContain("cache_control");
    expect(sent.body!.prompt_cache_key).toBe(promptCacheKey("gpt-4o", SYSTEM_TEXT));
    expect(first.usage.cache_read_input_tokens ?? 0).toBe(0);
    const second = await anthropic.messages.create(request);
    expect(second.usage.cache_read_input_tokens).toBeGreaterThan(0);
    // Anthropic's input_tokens leave out what the cache read; OpenAI's prompt_tokens held it.
    expect(second.usage.input_tokens + second.usage.cache_read_input_tokens!).toBe(first.usage.input_tokens);
  });
});
