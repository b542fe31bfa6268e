// A second, deeper attack on MCP routes (issue 26) after the hardening of b2c80c4 (whose 25 findings
// test/unit/mcp-attacks.test.ts holds): a hostile client, a hostile or careless MCP server and a
// careless operator against the byte-position list filter, the string-span walker, the masks, the
// session binding, the trailers path and the SSE reader. Each "finding N" test fails on 124ebd5 (the
// comment above it says what and how bad); the last blocks (what held, and ordinary SDK traffic)
// pass and stay as regressions.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";
import { CLAUDE_ROUTE_CONFIG } from "../support/fixtures.js";
import { MCP_SERVER_TOKEN, guardedMcpConfig } from "../support/mcp-route.js";

const alice = newKey();
const bob = newKey();
const SERVER_TOKEN = MCP_SERVER_TOKEN;
const config = (route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => guardedMcpConfig([["alice", alice, ["get_issue"]], ["bob", bob, ["get_issue"]]], route, extra);

const rpc = (id: number, method: string, params?: unknown) => JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
const TOOLS = JSON.stringify({ jsonrpc: "2.0", id: 5, result: { tools: [{ name: "get_issue" }, { name: "delete_repo" }] } });
const enc = new TextEncoder();

/** A VM with `cfg`, and a POST of `body` on it. */
async function open(body: string | Uint8Array, cfg: unknown = config(), key = alice.key) {
  const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
  expect(configured, host.logText("error").join("\n")).toBe(true);
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${key}`, accept: "application/json, text/event-stream" }, body);
  return { host, s };
}

async function post(body: string | Uint8Array, cfg: unknown = config(), key = alice.key): Promise<HttpStream> {
  return (await open(body, cfg, key)).s;
}

/** The server answers `s` with these headers and body chunks (the last ends the stream). */
function answer(s: HttpStream, contentType: string, ...chunks: Array<string | Uint8Array>): string {
  expect(s.localResponse).toBeNull();
  s.sendResponseHeaders({ ":status": "200", "content-type": contentType });
  chunks.forEach((c, i) => s.sendResponseBody(c, i === chunks.length - 1));
  return s.downstreamBodyText();
}

/** The shared-data slot llm-mesh binds a session id to (assembly/request/mcp-session.ts: the hash's first 12 bits). */
const slotOf = (session: string) => { const h = createHash("sha256").update(session).digest(); return ((h[0] << 8) | h[1]) & 4095; };
/** A session id, as a server could hand out, that lands on `session`'s slot. */
function collidingSession(session: string): string {
  const want = slotOf(session);
  for (let i = 0; ; i++) { const id = `sess-${i.toString(16).padStart(8, "0")}`; if (id !== session && slotOf(id) === want) return id; }
}

/** A caller's initialize, answered by the server with `session` as its Mcp-Session-Id. */
function initialize(host: Awaited<ReturnType<typeof loadFilter>>["host"], key: string, session: string, authority = "mcp.example.com", path = "/mcp"): void {
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": path, ":authority": authority, authorization: `Bearer ${key}` },
    rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "agent", version: "1" } }));
  s.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "mcp-session-id": session });
  s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "gh", version: "1" } } }), true);
  s.complete();
}

describe("MCP attacks 2: a hostile or careless MCP server", () => {
  // FINDING 1 (medium): the SSE reader drops only a real UTF-8 BOM (EF BB BF) before the first
  // event. The official TypeScript SDK's client decodes the stream with TextDecoderStream (which
  // drops that BOM) and then eventsource-parser, which strips the *characters* U+00EF U+00BB U+00BF
  // ("ï»¿", bytes C3 AF C2 BB C2 BF) at the start of its first chunk (eventsource-parser 3.x, feed():
  // charCodeAt 239/187/191). A stream starting with those bytes (or a BOM then those bytes) hides
  // its first event from llm-mesh (the line reads "ï»¿data: ..." and is no field: the event has no
  // data and passes as it came) while the SDK reads it: a tools/list answer reaches the agent
  // unfiltered, a tool result unmasked. Checked with the SDK's own pipeline (TextDecoderStream ->
  // EventSourceParserStream over these bytes dispatches the event). Code: assembly/stream/sse-events.ts
  // SseSplitter.push (the BOM check); the fix is to drop those six bytes too (after an optional BOM),
  // or, safer, to withhold a first event whose first line is not a known field.
  it.each([
    ["the characters of a BOM decoded as Latin-1 (C3 AF C2 BB C2 BF)", "ï»¿"],
    ["a BOM, then those characters", "\uFEFFï»¿"],
  ])("finding 1: an SSE stream starting with %s is still filtered", async (_what, prefix) => {
    const s = await post(rpc(5, "tools/list"));
    expect(answer(s, "text/event-stream", `${prefix}data: ${TOOLS}\n\n`)).not.toContain("delete_repo");
  });

  it("finding 1: a tool result behind those characters is still masked", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const out = answer(s, "text/event-stream", `ï»¿data: ${JSON.stringify({ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "owner carol@example.com" }] } })}\n\n`);
    expect(out).not.toContain("carol@example.com");
  });

  // FINDING 2 (low): the content rules read a tool's result only when it has a top-level `content`
  // or `structuredContent` member (answer.ts resultShape -> CONTENT); an answer to a pending
  // tools/call whose result carries its text elsewhere passes unread. The SDK's client keeps every
  // member of a result (ResultSchema is a loose object; `content` defaults to []) and still accepts
  // the 2024-10 `toolResult` shape (CompatibilityCallToolResultSchema), so a server written to it
  // (or one putting its output in any other member) returns e-mail addresses and denied text
  // unmasked. Code: assembly/mcp/answer.ts McpAnswerReader.message: guard the whole result of an
  // answer to a pending tools/call whatever its shape (and keep the shape rule for replayed ones).
  it.each([
    ["toolResult (the SDK's compatibility shape)", { toolResult: "owner carol@example.com" }],
    ["a member of the server's own", { output: { owner: "carol@example.com" } }],
  ])("finding 2: a tools/call result carrying its text in %s is masked", async (_what, result) => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    expect(answer(s, "application/json", JSON.stringify({ jsonrpc: "2.0", id: 2, result }))).not.toContain("carol@example.com");
  });
});

describe("MCP attacks 2: secrets in trailers", () => {
  // FINDING 8 (medium): the server's credential echoed back is redacted from answer headers
  // (redact.ts redactResponseHeaders) and bodies, but not from answer trailers: b2c80c4 exported
  // proxy_on_response_trailers only to read a held body there (filter.ts onResponseTrailers), and
  // the trailer map passes as it came. gRPC-style and HTTP/2 servers put error text in trailers
  // (grpc-message: "unauthenticated: bad token Bearer ..."), so a careless server's echo of the
  // Authorization header llm-mesh added reaches every caller. LLM routes too (a provider's key).
  // Should: the trailer map scanned as the headers are, whenever a secrets matcher is set.
  it("finding 8: an MCP server's token echoed in a response trailer is redacted", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    s.sendResponseBody('data: {"jsonrpc":"2.0","id":2,"result":{"content":[]}}\n\n', false);
    s.sendResponseTrailers({ "grpc-message": `unauthenticated: Bearer ${SERVER_TOKEN}` });
    expect(JSON.stringify(s.responseTrailers)).not.toContain(SERVER_TOKEN);
  });

  it("finding 8: a provider's key echoed in a response trailer on an LLM route is redacted", async () => {
    const { host } = await loadFilter({
      requestMode: "body",
      providers: [{ name: "oa", type: "openai", apiKeys: [{ value: "sk-openai-secret-123456" }] }],
      routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "oa" }] }],
    }, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody('{"id":"chatcmpl-1","object":"chat.completion","choices":[]}', false);
    s.sendResponseTrailers({ "x-debug": "used key sk-openai-secret-123456" });
    expect(JSON.stringify(s.responseTrailers)).not.toContain("sk-openai-secret-123456");
  });
});

describe("MCP attacks 2: clear errors", () => {
  // FINDING 11 (low): an SSE answer that came compressed is replaced by a bare JSON-RPC error body
  // (mcp-exchange.ts mcpAnswerChunk, the `ex.dropping` branch: emit(answerError(...))), but its
  // content-type stays text/event-stream: the SDK's client reads the body as SSE, where that line
  // is no field, so no message arrives and the call hangs until the client's timeout (60 s in the
  // TypeScript SDK) instead of failing at once with llm-mesh's reason (issue 26: "a broken server
  // ... gets a clear error"). The oversized-event branch just below frames its error as an event;
  // this one should too (or set content-type to application/json).
  it("finding 11: a compressed SSE answer is replaced by an error the SDK's SSE reader receives", async () => {
    const s = await post(rpc(5, "tools/list"));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream", "content-encoding": "gzip" });
    s.sendResponseBody(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 1, 2, 3]), true);
    const sseType = (s.downstreamHeaders ?? []).some(([k, v]) => k === "content-type" && v.startsWith("text/event-stream"));
    const out = s.downstreamBodyText();
    expect(out).toContain("llm_mesh.bad_answer");
    expect(!sseType || /^(event: message\n)?data: \{/m.test(out)).toBe(true);
  });
});

describe("MCP attacks 2: sessions", () => {
  /** `who` initializes; the server answers with session id `session`. */
  // FINDING 3 (medium): session bindings live in 4096 shared-data slots per server, chosen by 12
  // bits of the session id's hash, and a new binding overwrites whatever its slot held: the binding
  // it pushes out leaves that session unbound, i.e. open to every caller (mcp-session.ts says so
  // for "thousands of sessions later"). A caller can do it on purpose: each initialize is one cheap
  // request and the server picks a fresh id, so on average 4096 initializes push out the binding
  // of a session the attacker knows the id of (a leaked log line, a shared debugging paste), after which the attacker's GET reads the
  // victim's stream and DELETE ends it: the protection finding 18 added fails open under the very
  // attack it is for. Here the server's id for the attacker is picked to collide, standing for the
  // ~4096th try. Code: assembly/request/mcp-session.ts bindSession (setSharedBytes over the slot);
  // a slot taken by a live binding should not be overwritten by another caller's (refuse or keep
  // both, e.g. a few bindings per slot with eviction by age, and fail closed for a session whose
  // slot is full), or the binding should be keyed by the full hash.
  it("finding 3: a caller cannot unbind another's session by opening sessions that land on its slot", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const victim = "sess-bob-0001";
    initialize(host, bob.key, victim);
    initialize(host, alice.key, collidingSession(victim));
    const theft = host.createStream();
    theft.sendRequest({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-session-id": victim });
    expect(theft.upstreamHeaders).toBeNull();
  });
});

describe("MCP attacks 2: sessions, as servers compare them", () => {
  // FINDING 9 (low): a binding is found by the exact bytes of the session id (its SHA-256), while
  // the server decides which session a header names: servers that parse the id as a UUID (Go's
  // uuid.Parse, Java's UUID.fromString), or keep sessions in a store with a case-insensitive key
  // (MySQL's default collation), take "3F1C2A9E-..." for "3f1c2a9e-...". The variant is unbound,
  // so another caller who learned the id reaches the session by changing its letter case. Same
  // class as finding 9 of the first review (a case variant one reader takes for the original).
  // Should: fold ASCII letter case before hashing (ids stay as unguessable) or refuse a session
  // id that differs from a bound one only in case. Code: assembly/request/mcp-session.ts slot().
  it("finding 9: another caller cannot reach a bound session by changing its id's letter case", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    initialize(host, bob.key, "3f1c2a9e-5b7d-4e2a-9c1f-0a8b6d4e2f71");
    const theft = host.createStream();
    theft.sendRequest({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-session-id": "3F1C2A9E-5B7D-4E2A-9C1F-0A8B6D4E2F71" });
    expect(theft.upstreamHeaders).toBeNull();
  });

  // FINDING 10 (low, careless operator): bindings are kept per provider name (the slot key
  // "llm-mesh.mcp.session.<provider>.<n>"), not per server: an operator who declares one MCP server
  // twice (two providers on the same host and basePath, say with a read-only and a read-write token,
  // each behind its own route) gets two binding spaces, and a session bound on one route is open
  // to every caller of the other, which reaches the same server. Nothing at load warns. Should:
  // key bindings by the server's destination (host, port, basePath), or warn at load that two MCP
  // providers name the same endpoint. Code: assembly/request/mcp-session.ts slot().
  it("finding 10: a session bound through one provider is not open through another provider for the same server", async () => {
    const cfg = config({ match: { host: "mcp.example.com", pathPrefix: "/a" } }, {
      providers: [
        { name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp", apiKeys: [{ value: SERVER_TOKEN }] },
        { name: "gh-rw", type: "mcp", host: "mcp.example.com", basePath: "/mcp", apiKeys: [{ value: "mcp-rw-token-2b8e1d" }] },
      ],
    });
    (cfg.routes as unknown[]).push({ name: "tools-rw", match: { host: "mcp.example.com", pathPrefix: "/b" }, backends: [{ provider: "gh-rw" }], mcp: { tools: ["get_*"] } });
    cfg.consumers = [
      { name: "alice", keys: [alice.stored], mcp: [{ server: "gh", tools: ["get_issue"] }, { server: "gh-rw", tools: ["get_issue"] }] },
      { name: "bob", keys: [bob.stored], mcp: [{ server: "gh", tools: ["get_issue"] }] },
    ];
    const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    initialize(host, bob.key, "sess-bob-0001", "mcp.example.com", "/a");
    const theft = host.createStream();
    theft.sendRequest({ ":method": "GET", ":path": "/b", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-session-id": "sess-bob-0001" });
    const warned = host.logText("warn").join("\n").includes("gh-rw");
    expect(theft.upstreamHeaders === null || warned).toBe(true);
  });
});

describe("MCP attacks 2: masks", () => {
  // FINDING 4 (low): a masked string is re-encoded from its decoded text (answer.ts guardStrings ->
  // jsonString -> String.UTF8.encode). A lone surrogate escape (\ud800, which JSON allows and the
  // message reader lets through) becomes the raw bytes ED A0 80 (WTF-8), so the body llm-mesh sends
  // on is no longer valid UTF-8: a strict server (Python's json.loads on bytes, Go's decoder with
  // UTF-8 checks, the SDK's TextDecoder with fatal) refuses or mangles a call llm-mesh allowed, and
  // the same goes for tool results sent to the client. Should stay an escape: jsonString should
  // write \uXXXX for a surrogate that is not half of a pair. Code: assembly/json/splice.ts jsonString.
  it("finding 4: a masked argument holding a lone surrogate escape is sent as valid UTF-8", async () => {
    const s = await post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","arguments":{"q":"mail bob@example.com \\ud800"}}}');
    expect(s.localResponse).toBeNull();
    const sent = s.upstreamBody;
    expect(new TextDecoder().decode(sent)).not.toContain("bob@example.com");
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(sent)).not.toThrow();
  });

  it("finding 4: a masked tool result holding a lone surrogate escape reaches the client as valid UTF-8", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    answer(s, "application/json", '{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"owner carol@example.com \\udfff"}]}}');
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(s.downstreamBody)).not.toThrow();
  });
});

describe("MCP attacks 2: memory", () => {
  // FINDING 5 (high): the SSE reader allocates per event (readEventFields' line arrays and data
  // copy, the reader's scans, an error message for each event it cannot read, the rebuilt event)
  // and the module's minimal runtime collects only between callbacks (entry-points.ts), so one body
  // chunk of many small events costs VM memory in proportion to its events, not to maxMessageBytes
  // (which bounds one event): measured 384 MiB for one 1 MiB chunk of blank lines (valid SSE,
  // keep-alives), 768 MiB for 1 MiB of "data:0\n\n" (each event withheld and replaced by a ~190-byte
  // error: 25 MiB sent on), about 3.9 GiB for 6 MiB of it; Wasm memory never shrinks, and a bigger
  // chunk traps the VM (4 GiB). Envoy hands the filter what one read of an HTTP/1 upstream brought,
  // up to the connection's buffer limit (1 MiB by default), so one hostile or broken MCP server
  // costs every worker it reaches hundreds of MiB. LLM streams held (the same 1 MiB chunks: 1 MiB
  // for OpenAI's; 48 MiB for Anthropic's translated to chat, "data: {}" events). Code:
  // assembly/request/mcp-exchange.ts EventWriter.event and mcpAnswerChunk (SseSplitter.push hands
  // every event of a chunk to the sink in one callback); should be bounded per chunk: no allocation
  // for an event without data (blank lines, ids, comments pass as bytes), one reused line buffer,
  // and a stream that keeps sending unreadable events cut after the first (it is already broken).
  it.each([
    ["blank lines (keep-alive events)", "\n"],
    ["events that are not JSON-RPC messages", "data:0\n\n"],
  ])("finding 5: one 1 MiB SSE chunk of %s does not grow the VM past 96 MiB", async (_what, event) => {
    const { host, s } = await open(rpc(5, "tools/list"));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    s.sendResponseBody(event.repeat(Math.floor((1 << 20) / event.length)), false);
    expect(host.trap).toBeNull();
    expect(host.memoryBytes()).toBeLessThan(96 << 20);
  }, 60_000);
});

describe("MCP attacks 2: a hostile client's memory", () => {
  // FINDING 6 (high): a POST body on an MCP route is bounded only by the plugin-wide
  // maxRequestBodyBytes (default 8 MiB, up to 1 GiB, and raised on listeners that carry LLM
  // prompts with images), not by the route's routes[].mcp.maxMessageBytes (default 1 MiB, at most
  // 16 MiB), which b2c80c4 chose so that content rules reading every string stay within the VM
  // (docs: 20/78 MiB for 1 MiB plain/dense with matches). The same reading of a tools/call's
  // arguments has no such bound: one call at the default config, 8 MiB of arguments dense with
  // e-mail addresses, grew the VM to 601 MiB (2 s of CPU in the emulator) and was sent on; at
  // maxRequestBodyBytes 64 MiB it would pass 4 GiB and trap the VM (every request of that worker
  // fails). Any caller allowed one tool can do it, from inside the mesh. Code:
  // assembly/request/mcp-admit.ts (content-length) and assembly/pipelines/pipeline.ts onRequestBody
  // (config.maxRequestBodyBytes): an MCP route's body should be refused (413, a JSON-RPC error)
  // past its route's maxMessageBytes.
  it("finding 6: a tools/call with 8 MiB of arguments dense with e-mail addresses does not grow the VM past 96 MiB", async () => {
    const args = `{"q":"${"a@b.co ".repeat(Math.floor((8 << 20) / 7) - 20)}"}`;
    const { host, s } = await open(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","arguments":${args}}}`);
    expect(host.trap).toBeNull();
    expect(host.memoryBytes()).toBeLessThan(96 << 20);
    expect(s.upstreamBody.length).toBe(0);
  }, 120_000);
});

describe("MCP attacks 2: a careless operator", () => {
  // FINDING 7 (low): `"metrics": {"models": "any"}` (documented as: model labels record every name)
  // also makes every tools/call's tool name a label as the client sent it (mcp-exchange.ts
  // finishMcp: `config.metrics.anyModel ? p.target : mcp.toolLabel(...)`), refused calls included:
  // a caller allowed no tool at all mints a counter and a histogram series per name it invents,
  // in every Envoy it reaches (finding 10 of the first review bounded exactly this, but only
  // without that option). An operator who opened model labels for a dashboard did not open tool
  // labels to callers. Should: toolLabel always (names the lists name, or the server answered).
  it("finding 7: with metrics.models \"any\", tool names invented by a refused caller are not metric labels", async () => {
    const cfg = config({}, { metrics: { models: "any" } });
    const { host } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    for (let i = 0; i < 20; i++) {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}` }, rpc(i, "tools/call", { name: `invented_${i}` }));
      expect(s.localResponse?.status).toBe(200); // refused here: not on alice's list
      s.complete();
    }
    host.tick();
    const labels = new Set([...host.metrics.values()].map((m) => /gen_ai_tool_name=\.=([^;]*);/.exec(m.name)?.[1]).filter((t) => t !== undefined));
    expect(labels.size).toBeLessThan(5);
  });
});

// Ordinary traffic as the official TypeScript SDK's client and server make it (the server's events:
// a priming event "id: X\nretry: N\ndata: \n\n", then "event: message\nid: X\ndata: {...}\n\n";
// webStandardStreamableHttp.js), through one VM: what passes must pass byte for byte, lists come
// back filtered with their cursor and event ids, results masked.
describe("MCP attacks 2: ordinary SDK traffic still works", () => {
  const VERSION = "2025-11-25";
  const SESSION = "3f1c2a9e-5b7d-4e2a-9c1f-0a8b6d4e2f71";
  const sse = (id: string, message: unknown) => `event: message\nid: ${id}\ndata: ${JSON.stringify(message)}\n\n`;
  const PRIMING = "id: prime-0\nretry: 1000\ndata: \n\n";

  it("initialize, notifications/initialized, GET stream, tools/list with a cursor, tools/call with structuredContent, prompts, resources, ping, DELETE", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const request = (method: string, body?: string, extra: Record<string, string> = {}) => {
      const s = host.createStream();
      const headers: Record<string, string> = { ":method": method, ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`,
        accept: method === "GET" ? "text/event-stream" : "application/json, text/event-stream", ...extra };
      if (body !== undefined) headers["content-type"] = "application/json";
      s.sendRequest(headers, body);
      return s;
    };
    // The client gets the server's session id tagged for it (mcp-session.ts), and sends that back; the server gets its own.
    const inSession: Record<string, string> = { "mcp-session-id": "", "mcp-protocol-version": VERSION };
    /** A POST answered with SSE: what the client got. */
    const exchange = (body: string, ...events: string[]) => {
      const s = request("POST", body, inSession);
      expect(s.localResponse, body).toBeNull();
      expect(s.upstreamBodyText()).toBe(body);
      s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream", "cache-control": "no-cache" });
      events.forEach((e, i) => s.sendResponseBody(e, i === events.length - 1));
      s.complete();
      return s.downstreamBodyText();
    };

    // initialize: no session yet; the answer opens one.
    const initBody = rpc(0, "initialize", { protocolVersion: VERSION, capabilities: { elicitation: {} }, clientInfo: { name: "agent", version: "1.0.0" } });
    const init = request("POST", initBody);
    expect(init.upstreamBodyText()).toBe(initBody);
    const initResult = sse("1", { jsonrpc: "2.0", id: 0, result: { protocolVersion: VERSION, capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} }, serverInfo: { name: "gh", version: "1" } } });
    init.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream", "mcp-session-id": SESSION });
    init.sendResponseBody(PRIMING + initResult, true);
    expect(init.downstreamBodyText()).toBe(PRIMING + initResult);
    const tagged = init.responseHeader("mcp-session-id")!;
    expect(tagged).toMatch(new RegExp(`^${SESSION}\\.[0-9a-f]{32}$`));
    inSession["mcp-session-id"] = tagged;
    init.complete();

    // notifications/initialized: 202, no body.
    const note = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
    const n = request("POST", note, inSession);
    expect(n.upstreamBodyText()).toBe(note);
    n.sendResponseHeaders({ ":status": "202" }, true);
    expect(n.downstreamHeaders?.find(([k]) => k === ":status")?.[1]).toBe("202");
    n.complete();

    // The GET stream: priming event and a notification pass as they came.
    const get = request("GET", undefined, inSession);
    expect(get.upstreamHeaders).not.toBeNull();
    expect(get.upstreamHeaders!.find(([k]) => k === "mcp-session-id")?.[1]).toBe(SESSION);
    const changed = sse("g-1", { jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    get.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    get.sendResponseBody(PRIMING, false);
    get.sendResponseBody(changed, false);
    expect(get.downstreamBodyText()).toBe(PRIMING + changed);

    // tools/list, second page: filtered, cursor and event id kept.
    const listed = exchange(rpc(2, "tools/list", { cursor: "page-2" }), PRIMING,
      sse("2", { jsonrpc: "2.0", id: 2, result: { tools: [{ name: "get_issue", inputSchema: { type: "object" } }, { name: "delete_repo", inputSchema: { type: "object" } }], nextCursor: "page-3" } }));
    expect(listed.startsWith(PRIMING + "event: message\nid: 2\ndata: ")).toBe(true);
    const page = json(listed.slice(listed.indexOf("data: {") + 6).trim()) as any;
    expect(page.result).toEqual({ tools: [{ name: "get_issue", inputSchema: { type: "object" } }], nextCursor: "page-3" });

    // tools/call: content and structuredContent masked, the rest as it came.
    const called = exchange(rpc(3, "tools/call", { name: "get_issue", arguments: { number: 7 } }), PRIMING,
      sse("3", { jsonrpc: "2.0", id: 3, result: { content: [{ type: "text", text: "{\"owner\":\"carol@example.com\"}" }], structuredContent: { owner: "carol@example.com", number: 7 }, isError: false } }));
    expect(called).not.toContain("carol@example.com");
    const result = (json(called.slice(called.indexOf("data: {") + 6).trim()) as any).result;
    expect(result.structuredContent.number).toBe(7);
    expect(result.isError).toBe(false);

    // prompts, resources and ping pass as they came (no lists restrict them).
    for (const [body, answerMessage] of [
      [rpc(4, "prompts/list"), { jsonrpc: "2.0", id: 4, result: { prompts: [{ name: "triage", arguments: [{ name: "issue", required: true }] }] } }],
      [rpc(5, "prompts/get", { name: "triage", arguments: { issue: "7" } }), { jsonrpc: "2.0", id: 5, result: { messages: [{ role: "user", content: { type: "text", text: "Triage issue 7" } }] } }],
      [rpc(6, "resources/list"), { jsonrpc: "2.0", id: 6, result: { resources: [{ uri: "repo://gh/readme", name: "readme" }] } }],
      [rpc(7, "resources/read", { uri: "repo://gh/readme" }), { jsonrpc: "2.0", id: 7, result: { contents: [{ uri: "repo://gh/readme", text: "# hello" }] } }],
      [rpc(8, "ping"), { jsonrpc: "2.0", id: 8, result: {} }],
    ] as Array<[string, unknown]>) {
      const event = sse("e", answerMessage);
      expect(exchange(body, event), body).toBe(event);
    }

    // DELETE ends the session.
    const del = request("DELETE", undefined, inSession);
    expect(del.upstreamHeaders).not.toBeNull();
    del.sendResponseHeaders({ ":status": "200" }, true);
    del.complete();
    expect(host.trap).toBeNull();
  });
});

// What held on 124ebd5: kept as regressions beside the findings.
describe("MCP attacks 2 that held", () => {
  it("a name given twice, once with its key escaped (n\\u0061me), is refused in a call and left out of a list", async () => {
    const call = await post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","n\\u0061me":"delete_repo"}}');
    expect(call.upstreamHeaders).toBeNull();
    expect(call.localResponse?.status).toBe(400);
    const list = await post(rpc(5, "tools/list"));
    const out = answer(list, "application/json", '{"jsonrpc":"2.0","id":5,"result":{"tools":[{"name":"get_issue","n\\u0061me":"delete_repo"}]}}');
    expect((json(out) as any).result.tools).toEqual([]);
  });

  it("list items that are not objects, nested arrays, escaped names, and a result with both a list and content", async () => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "application/json", '{"jsonrpc":"2.0","id":5,"result":{"tools":[1,"get_issue",[{"name":"get_issue"}],{"name":"get\\u005fissue"},null,{"name":"delete_repo"},{"name":"get_issue","description":"mail carol@example.com"}],"content":[{"type":"text","text":"dave@example.com"}]}}');
    const result = (json(out) as any).result;
    expect(result.tools).toEqual([{ name: "get_issue" }, { name: "get_issue", description: "mail [EMAIL]" }]);
    expect(JSON.stringify(result.content)).not.toContain("dave@example.com");
  });

  it("a batch answer: each message's list filtered and content masked in place", async () => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "application/json", '[{"jsonrpc":"2.0","id":5,"result":{"tools":[{"name":"delete_repo"},{"name":"get_issue"}]}},{"jsonrpc":"2.0","id":6,"result":{"content":[{"type":"text","text":"erin@example.com"}],"tools":[{"name":"delete_repo"}]}}]');
    const [first, second] = json(out) as any[];
    expect(first.result.tools).toEqual([{ name: "get_issue" }]);
    expect(second.result.tools).toEqual([]);
    expect(second.result.content[0].text).not.toContain("erin@example.com");
  });

  it("a list longer than llm-mesh reads (16,385 items) is withheld, not passed", async () => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "application/json", `{"jsonrpc":"2.0","id":5,"result":{"tools":[${Array(16385).fill('{"name":"delete_repo"}').join(",")}]}}`);
    expect(out).not.toContain("delete_repo");
  });

  it.each([0, 1, 2, 3, 4, 5])("an escape split across SSE chunks (cut %i bytes into it) is decoded before the mask reads it", async (k) => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const text = 'data: {"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"owner carol@example\\u002ecom"}]}}\n\n';
    const cut = text.indexOf("\\u002e") + k;
    const out = answer(s, "text/event-stream", text.slice(0, cut), text.slice(cut));
    expect(out).not.toContain("carol@example");
  });

  it("invalid UTF-8 inside a tool result's string is withheld", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const bytes = new Uint8Array([...enc.encode('{"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"carol@example.com '), 0xc0, 0xaf, ...enc.encode('"}]}}')]);
    expect(answer(s, "application/json", bytes)).not.toContain("carol@example.com");
  });

  it("an answer held to be read whole that ends with trailers and no body: nothing passes unread, the request counts as unanswered", async () => {
    const { host, s } = await open(rpc(5, "tools/list"));
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseTrailers({ "grpc-status": "0" });
    s.complete();
    host.tick();
    expect(s.downstreamBodyText()).toBe("");
    expect([...host.metrics.values()].some((m) => m.name.includes("error_type=.=no_answer;"))).toBe(true);
  });

  it("a translated Anthropic stream ending with trailers still ends with [DONE], once", async () => {
    const { host } = await loadFilter(CLAUDE_ROUTE_CONFIG, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local" }, JSON.stringify({ stream: true, messages: [{ role: "user", content: "hi" }] }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    for (const e of [
      '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi there"}}',
      '{"type":"content_block_stop","index":0}',
      '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}',
      '{"type":"message_stop"}',
    ]) s.sendResponseBody(`event: ${JSON.parse(e).type}\ndata: ${e}\n\n`, false);
    s.sendResponseTrailers({ "x-trailer": "1" });
    const out = s.downstreamBodyText();
    expect(out).toContain("hi there");
    expect(out.split("data: [DONE]").length).toBe(2);
  });

  it("a server answering initialize with two Mcp-Session-Id headers: the SDK's client joins them (\"a, b\"), which llm-mesh then refuses, so neither runs unbound", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const init = host.createStream();
    init.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}` },
      rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "a", version: "1" } }));
    init.sendResponseHeaders([[":status", "200"], ["content-type", "application/json"], ["mcp-session-id", "sess-a"], ["mcp-session-id", "sess-b"]]);
    init.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "gh", version: "1" } } }), true);
    init.complete();
    const joined = host.createStream();
    joined.sendRequest({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-session-id": "sess-a, sess-b" });
    expect(joined.localResponse?.status).toBe(400);
    // The first is bound to alice: bob cannot use it.
    const other = host.createStream();
    other.sendRequest({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${bob.key}`, "mcp-session-id": "sess-a" });
    expect(other.upstreamHeaders).toBeNull();
  });
});
