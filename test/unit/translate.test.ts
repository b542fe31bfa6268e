// Translation rows (test/support/translation-rows.ts) through the compiled module in the host
// emulator, in both request modes; streams also delivered one byte per body callback.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { BEDROCK_CONFIG, BEDROCK_ENV, GEMINI_CONFIG, TRANSLATE_CONFIG, VERTEX_CONFIG } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { BEDROCK_ROWS, GEMINI_ROWS, TRANSLATION_ROWS, TranslationRow, VERTEX_ROWS } from "../support/translation-rows.js";
import { answerRow, expectClient, expectUpstream, sendRow } from "../support/row-harness.js";
// Adds the thinking and reasoning rows to the tables above.
import "../support/thinking-rows.js";
import "../support/web-search-rows.js";

const MODES = ["headers", "body"] as const;

// The client's own key rides along: it must never reach the provider.
const CLIENT_HEADERS = { authorization: "Bearer client-held-secret", "accept-encoding": "gzip, br" };

/** One row: the request, the upstream request or local reply, then the canned answer and what the client gets. */
function runRow(host: HostEmulator, row: TranslationRow, mode: string): void {
  const stream = sendRow(host, row, CLIENT_HEADERS);
  expectUpstream(stream, row, mode === "body");
  if (!row.reply) {
    expect(stream.upstreamBodyText()).not.toMatch(/client-held-secret|client-anthropic-key|client-token/);
    if (row.answer) {
      answerRow(stream, row, false);
      expectClient(stream, row, true);
    }
  }
  stream.complete();
  expect(host.trap).toBeNull();
}

/** A row's answer delivered one byte per body callback: the client gets the same. */
function byteByByte(host: HostEmulator, row: TranslationRow): void {
  const stream = sendRow(host, row, CLIENT_HEADERS);
  answerRow(stream, row, true);
  expectClient(stream, row, true);
  stream.complete();
  expect(host.trap).toBeNull();
}

describe.each(MODES)("translation between APIs, %s mode", (mode) => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter({ ...TRANSLATE_CONFIG, requestMode: mode }, { allowOnHeadersStopIteration: mode === "body" });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each(TRANSLATION_ROWS)("$name", (row) => runRow(host, row, mode));

  const answered = TRANSLATION_ROWS.filter((r) => r.answer && r.client);
  it.each(answered)("one byte per body callback: $name", (row) => byteByByte(host, row));

  const streamed = TRANSLATION_ROWS.filter((r) => r.answer?.chunks && r.client);
  it("passes each complete event on in the callback it completes in (no whole-stream buffering)", () => {
    const row = streamed.find((r) => r.host === "claude.llm")!;
    const stream = sendRow(host, row, CLIENT_HEADERS);
    stream.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    const chunks = row.answer!.chunks!;
    let seen = 0;
    for (let i = 0; i < chunks.length - 1; i++) {
      stream.sendResponseBody(chunks[i], false);
      const now = stream.downstreamBody.length;
      // message_start, text deltas, tool starts and argument deltas each produce output at once.
      if (/message_start|text_delta|tool_use|partial_json":"\{/.test(chunks[i])) expect(now, chunks[i]).toBeGreaterThan(seen);
      seen = now;
    }
    stream.complete();
  });
});

describe("body mode: one client endpoint, the backend API chosen by the client's model", () => {
  const config = {
    requestMode: "body",
    providers: [
      { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
      { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    ],
    routes: [
      { name: "claude", match: { host: "llm.internal", models: ["claude-*"] }, backends: [{ provider: "anthropic" }] },
      { name: "gpt", match: { host: "llm.internal", models: ["gpt-*"] }, backends: [{ provider: "openai" }] },
    ],
  };
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(config, { allowOnHeadersStopIteration: true });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each([
    ["/v1/chat/completions", "claude-sonnet-4-5", "/v1/messages", "x-api-key", "test-anthropic-key"],
    ["/v1/chat/completions", "gpt-4o", "/v1/chat/completions", "authorization", "Bearer test-openai-key"],
    ["/v1/messages", "claude-sonnet-4-5", "/v1/messages", "x-api-key", "test-anthropic-key"],
    ["/v1/messages", "gpt-4o", "/v1/chat/completions", "authorization", "Bearer test-openai-key"],
  ])("%s with model %s goes to %s", (path, model, upstreamPath, authHeader, auth) => {
    const stream = host.createStream();
    const body = path === "/v1/messages"
      ? { model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }
      : { model, messages: [{ role: "user", content: "hi" }] };
    stream.sendRequest({ ":method": "POST", ":path": path, ":authority": "llm.internal", "content-type": "application/json", "x-api-key": "client-key" }, JSON.stringify(body));
    expect(stream.localResponse?.body).toBeUndefined();
    expect(stream.requestHeader(":path")).toBe(upstreamPath);
    expect(stream.requestHeader(authHeader)).toBe(auth);
    const sent = json(stream.upstreamBodyText()) as { model: string; max_tokens?: number; max_completion_tokens?: number };
    expect(sent.model).toBe(model);
    // Anthropic requires max_tokens; an Anthropic client's limit reaches OpenAI in its own field.
    if (upstreamPath === "/v1/messages") expect(sent.max_tokens).toBeGreaterThan(0);
    if (path === "/v1/messages" && upstreamPath !== path) expect(sent.max_completion_tokens).toBe(10);
    stream.complete();
  });

  it("a model no route serves is 404 in the client's own shape", () => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/messages", ":authority": "llm.internal", "content-type": "application/json" },
      JSON.stringify({ model: "mistral-large", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
    expect(stream.localResponse!.status).toBe(404);
    expect(json(stream.localResponse!.body)).toEqual({ type: "error", error: { type: "not_found_error", message: "no llm-mesh route here serves model \"mistral-large\"" } });
  });
});

describe("GET /v1/models in the client's API", () => {
  it.each([
    ["an OpenAI client", {}, { object: "list", data: [{ id: "claude-haiku-4-5", object: "model", created: 0, owned_by: "anthropic-capped" }] }],
    ["an Anthropic client (anthropic-version sent)", { "anthropic-version": "2023-06-01" },
      { data: [{ type: "model", id: "claude-haiku-4-5", display_name: "claude-haiku-4-5", created_at: "1970-01-01T00:00:00Z" }], has_more: false, first_id: "claude-haiku-4-5", last_id: "claude-haiku-4-5" }],
  ])("%s gets its own list shape", async (_who, headers, expected) => {
    const { host } = await loadFilter(TRANSLATE_CONFIG);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "GET", ":path": "/v1/models", ":authority": "capped.llm", ...headers });
    expect(stream.localResponse!.status).toBe(200);
    expect(json(stream.localResponse!.body)).toEqual(expected);
  });
});

describe("translation to Gemini (body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(GEMINI_CONFIG, { allowOnHeadersStopIteration: true });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });
  it.each(GEMINI_ROWS)("$name", (row) => runRow(host, row, "body"));
  it.each(GEMINI_ROWS.filter((r) => r.answer && r.client))("one byte per body callback: $name", (row) => byteByByte(host, row));

  it("is refused at load in headers mode, naming the field", async () => {
    const { configured, host: h } = await loadFilter({ ...GEMINI_CONFIG, requestMode: "headers" });
    expect(configured).toBe(false);
    expect(h.logText("error").join("\n")).toContain('providers[0].type: "gemini" needs requestMode "body"');
  });
});

describe("translation to Bedrock Converse (body mode, SigV4)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(BEDROCK_CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });
  it.each(BEDROCK_ROWS)("$name", (row) => runRow(host, row, "body"));
  it.each(BEDROCK_ROWS.filter((r) => r.answer && r.client))("one byte per body callback: $name", (row) => byteByByte(host, row));

  it("without AWS credentials in the VM the provider is unusable: 503, with a warning naming the variables", async () => {
    const { host: h, configured } = await loadFilter(BEDROCK_CONFIG, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    expect(h.logText("warn").join("\n")).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
    const stream = h.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "bedrock.llm", "content-type": "application/json" }, JSON.stringify({ model: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: "x" }] }));
    expect(stream.localResponse!.status).toBe(503);
  });
});

describe("Vertex AI: Gemini and Claude models behind one provider (body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(VERTEX_CONFIG, { allowOnHeadersStopIteration: true });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });
  it.each(VERTEX_ROWS)("$name", (row) => runRow(host, row, "body"));
});
