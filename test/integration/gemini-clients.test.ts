// The official @google/genai SDK (a Gemini-native client) through real Envoy and llm-mesh to mock
// OpenAI, Anthropic, Bedrock and Gemini backends, each checking requests as the real API does:
// text, streams, a function-calling loop, structured output, countTokens, embeddings, errors the
// SDK raises as ApiError with their status, and the client's own key never reaching a provider
// (docs/translation.md, "Gemini-native clients").
import { ApiError, Content, FunctionDeclaration, GoogleGenAI, Type } from "@google/genai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack, send, startStack } from "../support/envoy.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { fetchWithHost } from "../support/sdk-fetch.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
  ],
  routes: [
    { name: "openai", match: { host: "openai.llm" }, backends: [{ provider: "openai" }] },
    { name: "anthropic", match: { host: "anthropic.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
    { name: "bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] },
    { name: "gemini-pro", match: { host: "pro.llm" }, backends: [{ provider: "gemini", model: "gemini-2.5-pro" }] },
  ],
};

/** The client's Gemini key: llm-mesh must keep it from every provider. */
const CLIENT_KEY = "client-gemini-secret";

/** host, mock provider name, model the client names in its path. */
const BACKENDS = [
  ["openai.llm", "openai", "gpt-4o"],
  ["anthropic.llm", "anthropic", "claude-sonnet-4-5"],
  ["bedrock.llm", "bedrock", "amazon.nova-pro-v1:0"],
  ["gemini.llm", "gemini", "gemini-2.5-flash"],
] as const;

const weather: FunctionDeclaration = {
  name: "get_weather", description: "Weather in a city",
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ["city"] },
};

describe("@google/genai through real Envoy to OpenAI, Anthropic, Bedrock and Gemini mocks", () => {
  let stack: Stack;
  /** What the SDK sent last, as it sent it. */
  let lastSent = "";
  const client = (host: string) => {
    const recorder = fetchWithHost(host);
    const fetch = (async (input, init) => { const r = await recorder.fetch(input, init); lastSent = recorder.sent.at(-1)!.body; return r; }) as typeof globalThis.fetch;
    return new GoogleGenAI({ apiKey: CLIENT_KEY, httpOptions: { baseUrl: stack.envoy.url, fetch } });
  };
  beforeAll(async () => {
    stack = await startStack(CONFIG, { acceptedKeys: { openai: ["test-openai-key"], anthropic: ["test-anthropic-key"], gemini: ["test-gemini-key"] }, env: { values: BEDROCK_ENV } });
  });
  afterAll(async () => { await stack?.stop(); });

  it.each(BACKENDS)("%s: generateContent with a system instruction", async (host, provider, model) => {
    const before = stack.mock.received.length;
    const answer = await client(host).models.generateContent({ model, contents: "Hi", config: { systemInstruction: "Be brief.", maxOutputTokens: 64, temperature: 0.5, topK: 20 } });
    expect(answer.text).toBe(`Hello from mock ${provider} (${model}).`);
    expect(answer.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    const sent = stack.mock.received[before];
    expect(sent.provider).toBe(provider);
    expect(sent.status).toBe(200);
    expect(JSON.stringify(sent.body)).toContain("Be brief.");
    // Gemini to Gemini: the body the SDK wrote, byte for byte.
    if (provider === "gemini") expect(sent.rawBody).toBe(lastSent);
  });

  it.each(BACKENDS)("%s: generateContentStream (alt=sse) delivers the whole text", async (host, provider, model) => {
    const stream = await client(host).models.generateContentStream({ model, contents: "Hi" });
    let text = "";
    let finish: string | undefined;
    for await (const chunk of stream) { text += chunk.text ?? ""; finish = chunk.candidates?.[0]?.finishReason ?? finish; }
    expect(text).toBe(`Hello from mock ${provider} (${model}).`);
    expect(finish).toBe("STOP");
  });

  it.each(BACKENDS)("%s: a function call, then the answer after its functionResponse", async (host, provider, model) => {
    const ai = client(host);
    const contents: Content[] = [{ role: "user", parts: [{ text: "Weather in Paris?" }] }];
    const config = { tools: [{ functionDeclarations: [weather] }] };
    const first = await ai.models.generateContent({ model, contents, config });
    const calls = first.functionCalls ?? [];
    expect(calls.map((c) => [c.name, c.args])).toEqual([["get_weather", { city: "city-value" }]]);
    // The call as Gemini 3 returns it, with its thought signature, which Gemini needs back.
    const turn = first.candidates![0].content!;
    turn.parts![0].thoughtSignature = "c2lnbmF0dXJlLTE=";
    contents.push(turn);
    contents.push({ role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 18 } } }] });
    const second = await ai.models.generateContent({ model, contents, config });
    expect(second.text).toBe(`Hello from mock ${provider} (${model}). Seen: 1 tool results.`);
    const sent = stack.mock.received.at(-1)!;
    // Kept for Gemini; never sent to OpenAI, which has no such field.
    if (provider === "gemini") expect((sent.body as any).contents[1].parts[0].thoughtSignature).toBe("c2lnbmF0dXJlLTE=");
    if (provider === "openai") expect(sent.rawBody).not.toContain("c2lnbmF0dXJlLTE=");
  });

  it.each(BACKENDS)("%s: structured output (responseMimeType and responseSchema) reaches the backend in its own form", async (host, _provider, model) => {
    const before = stack.mock.received.length;
    await client(host).models.generateContent({ model, contents: "A city", config: {
      responseMimeType: "application/json", responseSchema: { type: Type.OBJECT, properties: { cityName: { type: Type.STRING } }, required: ["cityName"] },
    } });
    const body = stack.mock.received[before].body as any;
    const schemaText = JSON.stringify(body.response_format?.json_schema?.schema ?? body.output_config?.format?.schema ?? body.outputConfig?.textFormat?.structure?.jsonSchema?.schema ?? body.generationConfig?.responseSchema);
    expect(schemaText).toContain("cityName");
  });

  it("gemini: countTokens is passed on; anthropic: translated to count_tokens; openai: refused as a Gemini 400 the SDK raises", async () => {
    const counted = await client("gemini.llm").models.countTokens({ model: "gemini-2.5-flash", contents: "How many tokens is this?" });
    expect(counted.totalTokens).toBeGreaterThan(0);
    const before = stack.mock.received.length;
    const claude = await client("anthropic.llm").models.countTokens({ model: "claude-sonnet-4-5", contents: "How many tokens is this?" });
    expect(claude.totalTokens).toBeGreaterThan(0);
    expect(stack.mock.received[before].path).toBe("/v1/messages/count_tokens");
    const refused = await client("openai.llm").models.countTokens({ model: "gpt-4o", contents: "Hi" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).message).toContain("only gemini and anthropic providers count tokens");
  });

  it.each([["openai.llm", "text-embedding-3-small"], ["gemini.llm", "gemini-embedding-001"]])("%s: embedContent returns one vector per content", async (host, model) => {
    const answer = await client(host).models.embedContent({ model, contents: ["alpha", "beta"], config: { outputDimensionality: 3 } });
    expect(answer.embeddings?.map((e) => e.values?.length)).toEqual([3, 3]);
  });

  it.each([
    ["a provider's 400 (Anthropic refuses temperature 1.5), in Gemini's shape", "anthropic.llm", "claude-sonnet-4-5", "Hi", { temperature: 1.5 }, 400, "temperature"],
    ["llm-mesh's own refusal (two candidates toward Bedrock)", "bedrock.llm", "amazon.nova-pro-v1:0", "Hi", { candidateCount: 2 }, 400, "candidateCount: must be 1"],
    ["Gemini's own 400 passed on (a role it does not know)", "gemini.llm", "gemini-2.5-flash", [{ role: "system", parts: [{ text: "Hi" }] }], {}, 400, "valid role"],
    ["llm-mesh's refusal of that role toward OpenAI", "openai.llm", "gpt-4o", [{ role: "system", parts: [{ text: "Hi" }] }], {}, 400, "must be user or model"],
  ] as const)("errors: %s", async (_name, host, model, contents, config, status, words) => {
    const error = await client(host).models.generateContent({ model, contents: contents as never, config: config as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect((error as ApiError).message).toContain(words);
  });

  // A hostile client's path tricks: refused in Gemini's shape before anything is sent, or rebuilt
  // upstream as llm-mesh's own path (no query but alt=sse, never another endpoint, never the key).
  const PATH = "/v1beta/models/gemini-2.5-flash:";
  it.each([
    ["the key twice and alt twice in the query", "gemini.llm", `${PATH}streamGenerateContent?key=${CLIENT_KEY}&alt=json&key=x&alt=sse`, 200, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"],
    ["an encoded '/' and '..' in the model", "gemini.llm", "/v1beta/models/x%2F..%2F..%2Fcachedcontents:generateContent", 400, null],
    ["'..' as the model", "gemini.llm", "/v1beta/models/..:generateContent", 400, null],
    ["a second method after a ':' in the model", "gemini.llm", "/v1beta/models/gemini-2.5-flash:countTokens:generateContent", 400, null],
    ["a model of 200 characters", "gemini.llm", `/v1beta/models/${"g".repeat(200)}:generateContent`, 400, null],
    ["a percent-encoded non-ASCII model", "gemini.llm", "/v1beta/models/g%C3%A9mini:generateContent", 400, null],
    ["'..' segments walking out of /models/", "gemini.llm", "/v1beta/models/x/../../files:generateContent", 404, null],
    ["a method llm-mesh does not serve", "gemini.llm", `${PATH}predict`, 404, null],
    ["a ':' model toward Bedrock: percent-encoded in Bedrock's path", "bedrock.llm", "/v1beta/models/amazon.nova-pro-v1:0:generateContent", 200, "/model/amazon.nova-pro-v1%3A0/converse"],
  ] as const)("path tricks: %s", async (_name, host, path, status, upstream) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host, path, headers: { "x-goog-api-key": CLIENT_KEY }, body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }) });
    expect(reply.status, reply.body).toBe(status);
    if (upstream === null) {
      expect(stack.mock.received.length).toBe(before);
      if (status === 400) expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
    } else {
      expect(stack.mock.received.length).toBe(before + 1);
      expect(stack.mock.received[before].url).toBe(upstream);
    }
    expect(reply.body).not.toContain(CLIENT_KEY);
  });

  // The route's model in every place Google's parser reads one: the mock, as Gemini, refuses a body model that is not the path's.
  it.each(["generateContentRequest", "generate_content_request"])("countTokens on a route with its own model: %s.model renamed to it", async (field) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host: "pro.llm", path: "/v1beta/models/gemini-2.5-flash:countTokens", headers: { "x-goog-api-key": CLIENT_KEY },
      body: JSON.stringify({ [field]: { model: "models/gemini-2.5-flash", contents: [{ role: "user", parts: [{ text: "Hi" }] }] } }) });
    expect(reply.status, reply.body).toBe(200);
    expect(stack.mock.received[before].url).toBe("/v1beta/models/gemini-2.5-pro:countTokens");
    expect((stack.mock.received[before].body as any)[field].model).toBe("models/gemini-2.5-pro");
  });

  // Last: every request the tests above made through llm-mesh.
  it("the client's key never reached a provider: not in a header, the URL or a body", async () => {
    // The key also as ?key= (the SDK sends the header): the upstream path is llm-mesh's own.
    const reply = await fetchWithHost("openai.llm").fetch(`${stack.envoy.url}/v1beta/models/gpt-4o:generateContent?key=${CLIENT_KEY}`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }) });
    expect(reply.status).toBe(200);
    expect(stack.mock.received.length).toBeGreaterThan(20);
    for (const r of stack.mock.received) expect(JSON.stringify(r.headers) + r.url + r.rawBody).not.toContain(CLIENT_KEY);
    expect(stack.mock.received.some((r) => JSON.stringify(r.headers).includes("test-gemini-key"))).toBe(true);
  });
});

// A Gemini client's generationConfig.maxOutputTokens × candidateCount is what a token quota
// reserves; a cap above the model's limit reaches Gemini lowered (the mock refuses more, as Gemini
// does), with x-llm-mesh-clamped-max-tokens; none named, llm-mesh adds the quota's default cap.
describe("@google/genai's maxOutputTokens through real Envoy: reserved by quotas, clamped to the model's limit", () => {
  const alice = newKey();
  const QUOTA_CONFIG = {
    requestMode: "body",
    providers: [
      { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
      { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    ],
    consumers: [{ name: "alice", keys: [alice.stored], limits: [{ tokensPerMinute: 80_000, defaultOutputCap: 2000 }] }],
    routes: [
      { name: "gemini-open", match: { host: "gemini-open.llm" }, backends: [{ provider: "gemini" }] },
      { name: "gemini-quota", match: { host: "gemini-quota.llm" }, backends: [{ provider: "gemini" }], requireConsumer: true },
      // A model without a known output limit: the client's cap is reserved as it is.
      { name: "mine-quota", match: { host: "mine-quota.llm" }, backends: [{ provider: "openai", model: "my-model" }], requireConsumer: true },
    ],
  };
  let stack: Stack;
  let lastHeaders: Headers | undefined;
  const client = (host: string, apiKey: string) => {
    const recorder = fetchWithHost(host);
    const fetch = (async (input, init) => { const r = await recorder.fetch(input, init); lastHeaders = r.headers; return r; }) as typeof globalThis.fetch;
    return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: stack.envoy.url, fetch } });
  };
  beforeAll(async () => {
    stack = await startStack(QUOTA_CONFIG, { acceptedKeys: { openai: ["test-openai-key"], gemini: ["test-gemini-key"] } });
  });
  afterAll(async () => { await stack?.stop(); });

  const flash = "gemini-2.5-flash";
  it.each([
    { name: "no quota, maxOutputTokens 100000 → gemini-2.5-flash: 65536 reaches Gemini, answered, and the answer says so", host: "gemini-open.llm", model: flash, config: { maxOutputTokens: 100000 }, sent: 65536, header: "100000->65536" },
    { name: "a quota, maxOutputTokens 100000: clamped to 65536, which fits the 80000-token budget", host: "gemini-quota.llm", model: flash, config: { maxOutputTokens: 100000 }, sent: 65536, header: "100000->65536" },
    { name: "a quota, no cap named: llm-mesh adds the limit's default cap, 2000", host: "gemini-quota.llm", model: flash, config: {}, sent: 2000, header: null },
    { name: "a quota, maxOutputTokens 500: passed on as asked", host: "gemini-quota.llm", model: flash, config: { maxOutputTokens: 500 }, sent: 500, header: null },
  ])("$name", async ({ host, model, config, sent, header }) => {
    const before = stack.mock.received.length;
    const answer = await client(host, alice.key).models.generateContent({ model, contents: "Hi", config });
    expect(answer.text).toBe(`Hello from mock gemini (${model}).`);
    const request = stack.mock.received[before];
    expect(request.status).toBe(200);
    expect((request.body as any).generationConfig.maxOutputTokens).toBe(sent);
    expect(lastHeaders?.get("x-llm-mesh-clamped-max-tokens")).toBe(header);
  });

  it("streamGenerateContent with a quota and no cap: the default cap reaches Gemini", async () => {
    const before = stack.mock.received.length;
    let text = "";
    for await (const chunk of await client("gemini-quota.llm", alice.key).models.generateContentStream({ model: flash, contents: "Hi" })) text += chunk.text ?? "";
    expect(text).toBe(`Hello from mock gemini (${flash}).`);
    expect((stack.mock.received[before].body as any).generationConfig.maxOutputTokens).toBe(2000);
  });

  it.each([
    { name: "maxOutputTokens 100000 for a model without a known limit: more than the 80000-token budget, 429", config: { maxOutputTokens: 100000 }, status: 429, words: "more than the limit" },
    { name: "maxOutputTokens 30000 × candidateCount 3: 90000, more than the budget, 429", config: { maxOutputTokens: 30000, candidateCount: 3 }, status: 429, words: "more than the limit" },
    { name: "maxOutputTokens \"100000\" (a string Google's parser reads as a number): 400", config: { maxOutputTokens: "100000" }, status: 400, words: "generationConfig.maxOutputTokens must be a non-negative integer or null" },
    { name: "maxOutputTokens 1.5: 400", config: { maxOutputTokens: 1.5 }, status: 400, words: "generationConfig.maxOutputTokens must be a non-negative integer or null" },
  ])("refused, nothing sent: $name", async ({ config, status, words }) => {
    const before = stack.mock.received.length;
    const error = await client("mine-quota.llm", alice.key).models.generateContent({ model: "my-model", contents: "Hi", config: config as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(status);
    expect((error as ApiError).message).toContain(words);
    expect(stack.mock.received.length).toBe(before);
  });
});
