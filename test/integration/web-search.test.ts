// Web search through real Envoy with the official SDKs (docs/translation.md, "Web search"): a
// client's search tool reaches the backend as its own search (Anthropic's web_search server tool,
// Gemini's googleSearch), the mocks search and cite as the real APIs do, and the client gets the
// answer with url_citation annotations: never a function call to run, never a dropped-tools header.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, startStack } from "../support/envoy.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { MOCK_RESULT, SEARCHED_TEXT } from "../../src-host-tools/mock/web-search.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
  ],
  routes: [
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
  ],
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(CONFIG, { acceptedKeys: { anthropic: ["test-anthropic-key"], gemini: ["test-gemini-key"] } });
});
afterAll(async () => { await stack?.stop(); });

const openaiFor = (host: string) => new OpenAI({ apiKey: "client-held-secret", baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost(host).fetch, maxRetries: 0 });
const anthropicFor = (host: string) => new Anthropic({ apiKey: "client-anthropic-key", baseURL: stack.envoy.url, fetch: fetchWithHost(host).fetch, maxRetries: 0 });
const lastBody = (): any => stack.mock.received.at(-1)!.body;

const BACKENDS = [
  // host, model, what the backend must have been asked for
  ["claude.llm", "claude-sonnet-4-5", { tools: [{ type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", city: "Paris", country: "FR" } }] }],
  ["gemini.llm", "gemini-2.5-flash", { tools: [{ googleSearch: {} }] }],
] as const;

describe("openai SDK, Responses with web_search → Anthropic and Gemini", () => {
  it.each(BACKENDS)("%s: the answer and its url_citation annotations arrive, with a web_search_call; no function call, nothing dropped", async (host, model, asked) => {
    const { data, response } = await openaiFor(host).responses.create({
      model, input: "What is the answer?", max_output_tokens: 200,
      tools: [{ type: "web_search", user_location: { type: "approximate", city: "Paris", country: "FR" } }],
    }).withResponse();
    expect(response.headers.get("x-llm-mesh-dropped-tools")).toBeNull();
    expect(lastBody()).toEqual(expect.objectContaining(asked));
    expect(data.output_text).toBe(SEARCHED_TEXT);
    expect(data.output.map((o) => o.type)).toEqual(["web_search_call", "message"]);
    const message = data.output[1] as OpenAI.Responses.ResponseOutputMessage;
    expect((message.content[0] as OpenAI.Responses.ResponseOutputText).annotations).toEqual([
      { type: "url_citation", url: MOCK_RESULT.url, title: MOCK_RESULT.title, start_index: 0, end_index: SEARCHED_TEXT.length },
    ]);
  });

  it.each(BACKENDS)("%s stream: annotation events, the citation on the final message, no function call", async (host, model) => {
    const stream = openaiFor(host).responses.stream({ model, input: "What is the answer?", max_output_tokens: 200, tools: [{ type: "web_search" }] });
    const added: unknown[] = [];
    stream.on("response.output_text.annotation.added", (e) => { added.push(e.annotation); });
    const final = await stream.finalResponse();
    const citation = { type: "url_citation", url: MOCK_RESULT.url, title: MOCK_RESULT.title, start_index: 0, end_index: SEARCHED_TEXT.length };
    expect(final.output_text).toBe(SEARCHED_TEXT);
    expect(final.output.map((o) => o.type)).toEqual(["message", "web_search_call"]);
    // Gemini gives offsets in bytes; in a stream they pass as given (the same for ASCII text).
    expect(added).toEqual([citation]);
    expect(((final.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputText).annotations).toEqual([citation]);
  });
});

describe("anthropic SDK with web_search_20250305 → Gemini", () => {
  it.each([false, true])("googleSearch upstream; the grounded text comes back as text, nothing dropped (stream: %s)", async (stream) => {
    const params = { model: "gemini-2.5-flash", max_tokens: 200, messages: [{ role: "user" as const, content: "What is the answer?" }],
      tools: [{ type: "web_search_20250305" as const, name: "web_search" as const, max_uses: 2 }] };
    const client = anthropicFor("gemini.llm");
    const { data: message, response } = stream
      ? { data: await client.messages.stream(params).finalMessage(), response: undefined }
      : await client.messages.create(params).withResponse();
    if (response) expect(response.headers.get("x-llm-mesh-dropped-tools")).toBeNull();
    expect(lastBody().tools).toEqual([{ googleSearch: {} }]);
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: SEARCHED_TEXT })]);
    expect(message.stop_reason).toBe("end_turn");
  });

  it("a malformed search tool is a 400 in Anthropic's shape, and nothing reaches Gemini", async () => {
    const before = stack.mock.received.length;
    const error = await anthropicFor("gemini.llm").messages.create({ model: "gemini-2.5-flash", max_tokens: 10, messages: [{ role: "user", content: "x" }],
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 0 }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toContain("tools.0.max_uses: must be a positive integer");
    expect(stack.mock.received.length).toBe(before);
  });
});

describe("openai SDK, chat with web_search_options → Anthropic", () => {
  it("message.annotations carry the citation; no tool call", async () => {
    const completion = await openaiFor("claude.llm").chat.completions.create({ model: "claude-sonnet-4-5", max_tokens: 200, messages: [{ role: "user", content: "What is the answer?" }], web_search_options: {} });
    expect(lastBody().tools).toEqual([{ type: "web_search_20250305", name: "web_search" }]);
    const m = completion.choices[0].message;
    expect([m.content, m.tool_calls, m.annotations]).toEqual([SEARCHED_TEXT, undefined,
      [{ type: "url_citation", url_citation: { url: MOCK_RESULT.url, title: MOCK_RESULT.title, start_index: 0, end_index: SEARCHED_TEXT.length } }]]);
  });
});
