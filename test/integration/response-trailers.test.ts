// Answers that end with HTTP trailers, through real Envoy (the unit rows in test/unit/response-
// trailers.test.ts say the same in the host emulator). An HTTP/2 upstream (h2c) answers in several
// DATA frames and then trailers, so no body callback sees end of stream: an answer the filter holds
// to read whole is read at the trailers callback (assembly/filter.ts onResponseTrailers) with the
// body Envoy buffered; a streamed one gets its end there (usage settled, metrics recorded). The
// client speaks HTTP/2 to Envoy too, so it gets the trailers. What a stream's end adds to the body
// (a closing [DONE] or message_stop for a stream that lacked one, a last unterminated event) cannot
// be written at the trailers (Envoy holds no body to write into): those rows are it.fails, a known
// limit (docs/limits.md), each with a control row without trailers that passes.
import { ClientHttp2Session } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunningEnvoy } from "../../src-host-tools/envoy/process.js";
import { send } from "../support/envoy.js";
import { TrailersUpstream, h2Connect, h2Post } from "../support/trailers-upstream.js";
import { ANTHROPIC_ANSWER, ANTHROPIC_STREAM, chat, GEMINI_STREAM, listRequest, MCP_HEADERS, OPENAI_ANSWER, OPENAI_STREAM_NO_DONE, pieces, SSE_ANSWER, startTrailersEnvoy, toolsList, TRAILERS } from "../support/trailers-stack.js";

describe("answers that end with HTTP trailers, through real Envoy (HTTP/2 upstream)", () => {
  const upstream = new TrailersUpstream();
  let envoy: RunningEnvoy;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    upstream.answers.set("/v1/messages", { contentType: "application/json", pieces: pieces(ANTHROPIC_ANSWER, 3), trailers: TRAILERS });
    upstream.answers.set("/v1/chat/completions", { contentType: "application/json", pieces: pieces(OPENAI_ANSWER, 3), trailers: TRAILERS });
    upstream.answers.set("/mcp-json", { contentType: "application/json", pieces: pieces(toolsList(1), 3), trailers: TRAILERS });
    upstream.answers.set("/mcp-sse", { contentType: "text/event-stream", pieces: pieces(SSE_ANSWER, 4), trailers: TRAILERS });
    envoy = await startTrailersEnvoy(await upstream.start());
    session = h2Connect(envoy.url);
  }, 60_000);
  afterAll(async () => {
    session?.close();
    await envoy?.stop();
    await upstream.close();
  });

  /** The upstream got this request over HTTP/2 (so it answered with trailers) at this path. */
  const reachedOverH2 = (path: string) => {
    const r = upstream.received.at(-1);
    expect(r?.path).toBe(path);
  };

  it("(a) OpenAI chat to an Anthropic provider: the provider's JSON answer and trailers become an OpenAI chat completion", async () => {
    const reply = await h2Post(session, "claude.llm", "/v1/chat/completions", chat);
    reachedOverH2("/v1/messages");
    expect(upstream.received.at(-1)?.headers["x-api-key"]).toBe("sk-ant-trailers");
    expect(reply.status, reply.body).toBe(200);
    const answer = JSON.parse(reply.body);
    expect(answer).toMatchObject({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi from claude" }, finish_reason: "stop" }] });
    expect(answer.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    expect(reply.body).not.toContain('"type":"message"');
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  it("(b) MCP tools/list answered as JSON with trailers: the client sees only the allowed tools", async () => {
    const reply = await h2Post(session, "json.mcp.test", "/mcp", listRequest, MCP_HEADERS);
    reachedOverH2("/mcp-json");
    expect(reply.status, reply.body).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ jsonrpc: "2.0", id: 1 });
    expect(JSON.parse(reply.body).result.tools.map((t: { name: string }) => t.name)).toEqual(["get_issue", "get_user"]);
    expect(reply.body).not.toContain("delete_repo");
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  it("(c) an answer passed as it comes (OpenAI to OpenAI, JSON) arrives byte for byte, once, with its trailers", async () => {
    const reply = await h2Post(session, "gpt.llm", "/v1/chat/completions", chat);
    reachedOverH2("/v1/chat/completions");
    expect(reply.status, reply.body).toBe(200);
    expect(reply.body).toBe(OPENAI_ANSWER);
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  it("(d) MCP tools/list as an SSE stream ending with trailers: filtered, one event, no duplicate", async () => {
    const reply = await h2Post(session, "sse.mcp.test", "/mcp", listRequest, MCP_HEADERS);
    reachedOverH2("/mcp-sse");
    expect(reply.status, reply.body).toBe(200);
    expect(String(reply.headers["content-type"])).toMatch(/^text\/event-stream/);
    const events = reply.body.split("\n\n").filter((e) => e.trim() !== "");
    expect(events, reply.body).toHaveLength(1);
    const data = events[0].split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
    expect(JSON.parse(data).result.tools.map((t: { name: string }) => t.name)).toEqual(["get_issue", "get_user"]);
    expect(reply.body).not.toContain("delete_repo");
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  // The provider's content-length counts its own bytes: a rewritten answer must not keep it.
  it.each([
    ["(a) translated", "/v1/messages", ANTHROPIC_ANSWER, "claude.llm", "/v1/chat/completions", chat],
    ["(b) an MCP list of 400 tools in 40 frames", "/mcp-json", JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools: Array.from({ length: 400 }, (_, i) => ({ name: `${i % 2 ? "get" : "set"}_${i}`, description: "d".repeat(200) })) } }), "json.mcp.test", "/mcp", listRequest],
    ["(c) passed as it came", "/v1/chat/completions", OPENAI_ANSWER, "gpt.llm", "/v1/chat/completions", chat],
  ])("%s, the provider sending content-length with its trailers: the client's length is the body's", async (name, upstreamPath, answer, authority, path, body) => {
    upstream.answers.set(upstreamPath, { contentType: "application/json", pieces: pieces(answer, upstreamPath === "/mcp-json" ? 40 : 3), trailers: TRAILERS, withContentLength: true });
    const reply = await h2Post(session, authority, path, body, path === "/mcp" ? MCP_HEADERS : {});
    reachedOverH2(upstreamPath);
    expect(reply.status, reply.body.slice(0, 300)).toBe(200);
    const length = reply.headers["content-length"];
    if (length !== undefined) expect(Number(length)).toBe(Buffer.byteLength(reply.body));
    const parsed = JSON.parse(reply.body);
    if (name.startsWith("(a)")) expect(parsed.choices[0].message.content).toBe("hi from claude");
    if (name.startsWith("(b)")) expect(parsed.result.tools.map((t: { name: string }) => t.name)).toEqual(Array.from({ length: 200 }, (_, i) => `get_${2 * i + 1}`));
    if (name.startsWith("(c)")) expect(reply.body).toBe(OPENAI_ANSWER);
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  it("(a) to an HTTP/1.1 client (Envoy drops the trailers toward it): the same translated completion", async () => {
    upstream.answers.set("/v1/messages", { contentType: "application/json", pieces: pieces(ANTHROPIC_ANSWER, 3), trailers: TRAILERS });
    const reply = await send(envoy.url, { host: "claude.llm", body: chat });
    reachedOverH2("/v1/messages");
    expect(reply.status, reply.body).toBe(200);
    expect(reply.json()).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "hi from claude" } }] });
  });

  it("(e) an Anthropic SSE stream ending with trailers, translated for an OpenAI client: every chunk once, then one [DONE]", async () => {
    upstream.answers.set("/v1/messages", { contentType: "text/event-stream", pieces: pieces(ANTHROPIC_STREAM, 5), trailers: TRAILERS });
    const reply = await h2Post(session, "claude.llm", "/v1/chat/completions", JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }));
    reachedOverH2("/v1/messages");
    expect(reply.status, reply.body).toBe(200);
    const data = reply.body.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
    expect(data.filter((d) => d === "[DONE]"), reply.body).toHaveLength(1);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("hi from claude");
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === "stop")).toHaveLength(1);
    expect(reply.trailers).toMatchObject(TRAILERS);
  });

  // The end of a stream finishes these: a translation closes an answer its server ended without a
  // terminator ([DONE], message_stop); the MCP event reader hands on a last event without its blank
  // line. Without trailers a body callback sees the end of the stream and they pass (controls);
  // with trailers none does, and the end-of-stream work is lost (filter bug, see it.fails below).
  const streamEnds = {
    "(f) an OpenAI-compatible stream without [DONE] (a finish_reason says it is whole), for an Anthropic client: closed with one message_stop": async (trailers?: Record<string, string>) => {
      upstream.answers.set("/v1/chat/completions", { contentType: "text/event-stream", pieces: pieces(OPENAI_STREAM_NO_DONE, 3), trailers });
      const reply = await h2Post(session, "gpt.llm", "/v1/messages", JSON.stringify({ model: "gpt-4o", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] }), { "anthropic-version": "2023-06-01" });
      reachedOverH2("/v1/chat/completions");
      expect(reply.status, reply.body).toBe(200);
      const names = reply.body.split("\n\n").map((e) => /^event: (\S+)/m.exec(e)?.[1]).filter((n) => n !== undefined);
      expect(names, reply.body).toContain("content_block_delta");
      expect(names.filter((n) => n === "message_stop"), reply.body).toHaveLength(1);
      expect(names.at(-1)).toBe("message_stop");
    },
    "(g) a Gemini stream (no terminator), for an OpenAI client: the text, then one [DONE]": async (trailers?: Record<string, string>) => {
      upstream.answers.set("/v1beta/models/gemini-2.5-flash:streamGenerateContent", { contentType: "text/event-stream", pieces: pieces(GEMINI_STREAM, 3), trailers });
      const reply = await h2Post(session, "gemini.llm", "/v1/chat/completions", JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }));
      reachedOverH2("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
      expect(reply.status, reply.body).toBe(200);
      const data = reply.body.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
      expect(data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("")).toBe("hi from gemini");
      expect(data.filter((d) => d === "[DONE]"), reply.body).toHaveLength(1);
      expect(data.at(-1)).toBe("[DONE]");
    },
    "(h) an MCP SSE answer whose last event lacks its blank line: the event reaches the client, filtered": async (trailers?: Record<string, string>) => {
      upstream.answers.set("/mcp-sse", { contentType: "text/event-stream", pieces: pieces(`event: message\ndata: ${toolsList(1)}\n`, 3), trailers });
      const reply = await h2Post(session, "sse.mcp.test", "/mcp", listRequest, MCP_HEADERS);
      reachedOverH2("/mcp-sse");
      expect(reply.status, reply.body).toBe(200);
      expect(reply.body).not.toContain("delete_repo");
      const data = reply.body.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim());
      expect(data, JSON.stringify(reply.body)).toHaveLength(1);
      expect(JSON.parse(data[0]).result.tools.map((t: { name: string }) => t.name)).toEqual(["get_issue", "get_user"]);
    },
  };
  for (const [name, check] of Object.entries(streamEnds)) {
    it(`${name} (control: no trailers)`, () => check(undefined));
    // Filter bug: the end-of-stream work never runs when trailers end the stream. Turn into it() once fixed.
    it.fails(`${name}, ending with trailers [known limit: what the stream's end adds cannot be written at the trailers]`, () => check(TRAILERS));
  }

  /** llm_mesh_tokens_total of a route, summed by "usage label/token type". */
  const tokens = async (route: string): Promise<Record<string, number>> => {
    await new Promise((r) => setTimeout(r, 300)); // the VM's tick hands its counts to Envoy
    const text = await (await fetch(`${envoy.adminUrl}/stats/prometheus`)).text();
    const sums: Record<string, number> = {};
    for (const l of text.split("\n").filter((l) => l.startsWith("llm_mesh_tokens_total{") && l.includes(`llm_mesh_route="${route}"`))) {
      const key = `${/llm_mesh_usage="(\w+)"/.exec(l)![1]}/${/gen_ai_token_type="(\w+)"/.exec(l)![1]}`;
      sums[key] = (sums[key] ?? 0) + Number(l.slice(l.lastIndexOf(" ") + 1));
    }
    return sums;
  };
  const usageRows = {
    "(a) a JSON answer translated": { route: "to-claude", path: "/v1/messages", type: "application/json", answer: ANTHROPIC_ANSWER, authority: "claude.llm", body: chat },
    "(c) a JSON answer passed as it came": { route: "to-openai", path: "/v1/chat/completions", type: "application/json", answer: OPENAI_ANSWER, authority: "gpt.llm", body: chat },
    "(e) a stream translated": { route: "to-claude", path: "/v1/messages", type: "text/event-stream", answer: ANTHROPIC_STREAM, authority: "claude.llm", body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }) },
  };
  const countsUsage = async (row: (typeof usageRows)[keyof typeof usageRows], trailers?: Record<string, string>) => {
    upstream.answers.set(row.path, { contentType: row.type, pieces: pieces(row.answer, 3), trailers });
    const before = await tokens(row.route);
    expect((await h2Post(session, row.authority, "/v1/chat/completions", row.body)).status).toBe(200);
    const after = await tokens(row.route);
    const added = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
    expect(added).toEqual({ "reported/input": 3, "reported/output": 4 });
  };
  // Filter bug: an answer not held whole reads its usage as it passes, and settles it at the end of
  // the stream, which trailers hide: (c) counts the request's estimate as "incomplete" and no output
  // tokens; (e) counts the right tokens but labels them "incomplete". Turn into it() once fixed.
  for (const [name, row] of Object.entries(usageRows)) {
    it(`${name}: the provider's usage is counted as reported (control: no trailers)`, () => countsUsage(row));
    it(`${name}, ending with trailers: the provider's usage is counted as reported`, () => countsUsage(row, TRAILERS));
  }

  it("the VM never trapped", () => {
    expect(envoy.logs()).not.toMatch(/Uncaught|RuntimeError|wasm trap/i);
  });
});
