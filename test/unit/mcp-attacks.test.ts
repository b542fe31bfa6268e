// Attacks on MCP routes (issue 26) as a hostile client, a hostile MCP server and a careless
// operator would make them, from a review of the first MCP build (9b994c0). Each "finding N" test
// failed on that build and passes since its fix (the comment above it says what it was and its
// severity); the last block, attacks that held from the start, stays as regressions.
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";
import { MCP_SERVER_TOKEN, guardedMcpConfig } from "../support/mcp-route.js";

const alice = newKey();
const SERVER_TOKEN = MCP_SERVER_TOKEN;
const config = (route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => guardedMcpConfig([["alice", alice, ["get_issue"]]], route, extra);

const rpc = (id: number, method: string, params?: unknown) => JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
/** tools/list answer listing a tool alice may use and one she may not. */
const TOOLS = JSON.stringify({ jsonrpc: "2.0", id: 5, result: { tools: [{ name: "get_issue" }, { name: "delete_repo" }] } });

async function post(body: string, cfg: unknown = config()): Promise<HttpStream> {
  const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
  expect(configured, host.logText("error").join("\n")).toBe(true);
  const s = host.createStream();
  s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, accept: "application/json, text/event-stream" }, body);
  return s;
}

/** The server answers `s` with these headers and body chunks (the last ends the stream). */
function answer(s: HttpStream, contentType: string, ...chunks: string[]): string {
  expect(s.localResponse).toBeNull();
  s.sendResponseHeaders({ ":status": "200", "content-type": contentType });
  chunks.forEach((c, i) => s.sendResponseBody(c, i === chunks.length - 1));
  return s.downstreamBodyText();
}

describe("MCP attacks: a hostile client", () => {
  // FINDING 1 (high): a JSON-RPC notification (no id) of tools/call skips the allow-list and the
  // content rules: decideMcpBody checks only MessageKind.Request. JSON-RPC 2.0 servers execute
  // notifications (they only do not answer), so a forbidden tool runs, unseen, with unchecked arguments.
  it.each([
    ["a tool the caller may not use", { name: "delete_repo", arguments: {} }],
    ["an allowed tool with denied arguments", { name: "get_issue", arguments: { q: "x; DROP TABLE users" } }],
  ])("finding 1: tools/call sent as a notification (%s) never reaches the server", async (_what, params) => {
    const s = await post(JSON.stringify({ jsonrpc: "2.0", method: "tools/call", params }));
    expect(s.upstreamHeaders).toBeNull();
    expect(s.upstreamBodyText()).not.toContain("tools/call");
  });

  // FINDING 21 (high): a batch body is read only up to its array's closing bracket; what follows
  // (readBody -> arrayItemSpans over [start, end) never checks that the array ends at `end`) is
  // sent on unread. A single message followed by another is refused (-32700), a batch is not.
  // Servers or bridges that read a stream of JSON values (stdio bridges write the body to a
  // newline-delimited transport; streaming decoders loop) then run the forbidden call. No
  // MCP-Protocol-Version header is needed: its absence allows batches.
  it.each(["", "\n", " ", ","])("finding 21: a message after a batch's closing bracket (separated by %j) is not sent unread", async (sep) => {
    const body = `[${rpc(1, "tools/call", { name: "get_issue" })}]${sep}${rpc(2, "tools/call", { name: "delete_repo" })}`;
    const s = await post(body);
    expect(s.upstreamBodyText()).not.toContain("delete_repo");
  });

  // FINDING 22 (medium): GET is let through at header time whatever it carries, so a WebSocket
  // upgrade (Istio's routes allow it by default) reaches the server with the server's token, and
  // everything after the 101 flows unread both ways: JSON-RPC over a WebSocket (a transport some
  // MCP servers offer on the same path) escapes the allow-lists, content rules and metrics.
  it("finding 22: a WebSocket upgrade on an MCP route is not sent with the server's token", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequestHeaders({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`,
      connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-protocol": "mcp" }, false);
    const sent = s.upstreamHeaders ?? [];
    expect(sent.some(([k]) => k === "upgrade") && JSON.stringify(sent).includes(SERVER_TOKEN)).toBe(false);
  });

  // FINDING 23 (low): a GET or DELETE with a body sends the body on unread ("nothing goes upstream
  // before it is read and allowed", issue 26). A server that dispatches on the body rather than
  // the method runs the call.
  it.each(["GET", "DELETE"])("finding 23: a %s carrying a JSON-RPC body does not send it unread", async (method) => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": method, ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "content-type": "application/json" },
      rpc(9, "tools/call", { name: "delete_repo" }));
    expect(s.upstreamBodyText()).not.toContain("delete_repo");
  });

  // FINDING 24 (low): only the first Mcp-Session-Id (and MCP-Protocol-Version) header is checked
  // (headers.get); a second one passes unvalidated, client text in a header, and servers that
  // join repeated headers (Node's http does, with ", ") read a value llm-mesh never judged.
  it("finding 24: a second, invalid Mcp-Session-Id header is refused", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest([[":method", "POST"], [":path", "/mcp"], [":authority", "mcp.example.com"], ["authorization", `Bearer ${alice.key}`],
      ["mcp-session-id", "sess-1"], ["mcp-session-id", "x".repeat(4000) + " \u00e9"]], rpc(1, "ping"));
    expect(s.upstreamHeaders).toBeNull();
    expect(s.localResponse?.status).toBe(400);
  });

  // FINDING 3 (high): the content rules skip every value under a key named "data" or "blob" at any
  // depth (collectStrings, meant for base64 payloads), and never read object keys; tool arguments
  // are free-form, so a denied text or an e-mail address rides under such a key or as a key.
  it.each([
    ["under a key named data", { data: "x; DROP TABLE users" }],
    ["under a key named blob", { query: { blob: "x; DROP TABLE users" } }],
    ["as an object key", { filter: { "x; DROP TABLE users": true } }],
  ])("finding 3: denied text in tool arguments %s is refused", async (_where, args) => {
    const s = await post(rpc(3, "tools/call", { name: "get_issue", arguments: args }));
    expect(s.upstreamHeaders).toBeNull();
    expect((json(s.localResponse?.body) as any)?.error?.message).toContain("rule sql");
  });

  it("finding 3: an e-mail address in an argument named data is masked before it is sent", async () => {
    const s = await post(rpc(4, "tools/call", { name: "get_issue", arguments: { data: "send to bob@example.com" } }));
    expect(s.upstreamBodyText()).not.toContain("bob@example.com");
  });

  // FINDING 12 (low): resources are matched as raw strings, so a prefix pattern is a path check a
  // URI with dot segments (or their percent-encodings) walks out of; servers that map resource
  // URIs to files resolve them.
  it.each(["file:///srv/public/../secret/keys.txt", "file:///srv/public/%2e%2e/secret/keys.txt"])("finding 12: resources/read of %s is not allowed by file:///srv/public/*", async (uri) => {
    const cfg = config({ mcp: { resources: ["file:///srv/public/*"] } });
    const s = await post(rpc(6, "resources/read", { uri }), cfg);
    expect(s.upstreamHeaders).toBeNull();
  });

  // FINDING 13 (low): completion/complete names a prompt (ref/prompt) or resource template
  // (ref/resource) the caller may not use and still reaches the server, which completes its
  // arguments: what the forbidden prompt takes leaks, though it is never listed.
  it("finding 13: completion/complete for a prompt the caller may not use is refused", async () => {
    const cfg = config({ mcp: { tools: ["get_*"], prompts: ["public_*"] } });
    const s = await post(rpc(8, "completion/complete", { ref: { type: "ref/prompt", name: "internal_incident" }, argument: { name: "host", value: "" } }), cfg);
    expect(s.upstreamHeaders).toBeNull();
  });
});

describe("MCP attacks: a hostile or careless MCP server", () => {
  // FINDING 2 (high): a JSON answer that ends with trailers (HTTP/2, or HTTP/1 with trailers
  // enabled) is never read: the module does not export proxy_on_response_trailers, the host then
  // continues the stream, and Envoy sends the body mcpAnswerChunk buffered unread (waiting for an
  // endOfStream that never comes): lists unfiltered, results unmasked, maxMessageBytes not applied.
  it("finding 2: a JSON tools/list answer followed by trailers is still filtered", async () => {
    const s = await post(rpc(5, "tools/list"));
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(TOOLS, false);
    s.sendResponseTrailers({ "grpc-status": "0" });
    expect(s.downstreamBodyText()).not.toContain("delete_repo");
  });

  it("finding 2: a tool result followed by trailers is still masked", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: "owner carol@example.com" }] } }), false);
    s.sendResponseTrailers({ "x-done": "1" });
    expect(s.downstreamBodyText()).not.toContain("carol@example.com");
  });

  // FINDING 4 (medium): the answer's media type is compared case-sensitively by prefix
  // (responseHeaderStartsWith); media types are case-insensitive and the official SDK's client
  // lower-cases them (mediaTypeEssence), so "Application/JSON" or "Text/Event-Stream" passes
  // unread (McpAnswerMode.Pass) and the client reads the whole list.
  it.each([
    ["Application/JSON", TOOLS],
    ["APPLICATION/JSON; charset=utf-8", TOOLS],
    ["Text/Event-Stream", `data: ${TOOLS}\n\n`],
  ])("finding 4: a list answered as %s is filtered", async (type, body) => {
    const s = await post(rpc(5, "tools/list"));
    expect(answer(s, type, body)).not.toContain("delete_repo");
  });

  // FINDING 5 (medium): a JSON answer that is an array of more than MAX_BATCH (128) messages passes
  // unread (McpAnswerReader.read returns null when arrayItemsAtMost fails). The official SDK's
  // client reads a JSON array answer message by message, so the full list reaches it.
  it("finding 5: a list answer in a JSON array of 129 messages is not passed unfiltered", async () => {
    const note = JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } });
    const s = await post(rpc(5, "tools/list"));
    expect(answer(s, "application/json", `[${TOOLS},${Array(128).fill(note).join(",")}]`)).not.toContain("delete_repo");
  });

  // FINDING 6 (medium): a UTF-8 byte order mark before the first SSE field hides the first event
  // from the filter (the line reads "\uFEFFdata: ..." and is no field), but the client drops the
  // BOM (TextDecoderStream, as the EventSource algorithm says) and reads the event.
  it("finding 6: an SSE stream starting with a BOM is still filtered", async () => {
    const s = await post(rpc(5, "tools/list"));
    expect(answer(s, "text/event-stream", `\uFEFFdata: ${TOOLS}\n\n`)).not.toContain("delete_repo");
  });

  // FINDING 7 (medium): a message with both result and error is taken for an error and passes as it
  // came (McpAnswerReader.message returns at `error.count == 1`), its result unfiltered. JSON-RPC
  // forbids both; lenient readers (pydantic models with extra="allow", Go structs) take the result.
  it("finding 7: an answer with both result and error is withheld, not passed with its list unfiltered", async () => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "application/json", '{"jsonrpc":"2.0","id":5,"result":{"tools":[{"name":"get_issue"},{"name":"delete_repo"}]},"error":{"code":1,"message":"x"}}');
    expect(out).not.toContain("delete_repo");
  });

  // FINDING 8 (medium): tool results' strings under a key named "data" or "blob" are not under the
  // content rules (collectStrings skips those keys at every depth); structuredContent is the
  // server's own JSON, where "data" is the commonest key there is.
  it("finding 8: an e-mail address in structuredContent.data is masked", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const out = answer(s, "application/json", JSON.stringify({ jsonrpc: "2.0", id: 2, result: { content: [], structuredContent: { data: { owner: "carol@example.com" } } } }));
    expect(out).not.toContain("carol@example.com");
  });

  it("finding 8: a denied text in a tool result's structuredContent.blob withholds the result", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const out = answer(s, "application/json", JSON.stringify({ jsonrpc: "2.0", id: 2, result: { content: [], structuredContent: { blob: "x; DROP TABLE users" } } }));
    expect(out).not.toContain("DROP TABLE");
  });

  // FINDING 9 (low): a list item's name in another letter case ("Name") is not a repeat to the
  // filter (filterLists reads the tree, which keeps both keys), while a case-insensitive reader
  // (Go's encoding/json: the official Go SDK) takes the last one: the item passes as get_issue
  // and reads as delete_repo. message.ts refuses such variants in requests; answers need the same.
  it("finding 9: a listed tool whose name has a case variant is not passed", async () => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "application/json", '{"jsonrpc":"2.0","id":5,"result":{"tools":[{"name":"get_issue","Name":"delete_repo"}]}}');
    expect(out).not.toContain("delete_repo");
  });

  // FINDING 10 (medium): gen_ai_tool_name is the client's tool name whenever the server answered
  // with a result, isError included (finishMcp). Servers commonly answer an unknown tool with
  // isError: true (FastMCP does), and a prefix allow-list admits any suffix, so a client mints one
  // label set per name it sends: Envoy stats without bound, and the VM's metric id map (metrics.ts
  // `ids`) grows for the VM's life.
  it("finding 10: tool names the config does not name and the server does not know are not metric labels", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    for (let i = 0; i < 200; i++) {
      const s = host.createStream();
      // A caller without a consumer: the route's list, get_*, admits the name.
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com" }, rpc(1, "tools/call", { name: `get_issue_${i}` }));
      s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: `Unknown tool: get_issue_${i}` }], isError: true } }), true);
      s.complete();
    }
    host.tick();
    const labels = new Set([...host.metrics.values()].map((m) => /gen_ai_tool_name=\.=([^;]*);/.exec(m.name)?.[1]).filter((t) => t !== undefined));
    expect(labels.size).toBeLessThan(10);
  });
});

describe("MCP attacks: more from the server", () => {
  // FINDING 19 (low): maxMessageBytes is not applied to an SSE event that arrives whole in one
  // chunk: SseSplitter.push hands every complete event to the reader and only then compares what
  // is left over with maxEvent. The design says a larger event is replaced by a -32603 error; the
  // reader's memory is then bounded by Envoy's chunk size, not by the route's limit.
  it("finding 19: an SSE event larger than maxMessageBytes is replaced even when it comes in one chunk", async () => {
    const s = await post(rpc(5, "tools/list"), config({ mcp: { tools: ["get_*"], maxMessageBytes: 2048 } }));
    const big = JSON.stringify({ jsonrpc: "2.0", id: 5, result: { tools: [{ name: "get_issue", description: "x".repeat(10_000) }] } });
    const out = answer(s, "text/event-stream", `data: ${big}\n\n`);
    expect(out).not.toContain("x".repeat(10_000));
    expect(out).toContain("maxMessageBytes");
  });

  // FINDING 10b (low): error_type is any integer of up to 11 characters the server puts in an error's
  // code (answer.ts errorCode), so a server mints a label set per answer.
  it("finding 10b: error codes outside JSON-RPC's and MCP's are not metric labels of their own", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    for (let i = 0; i < 50; i++) {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}` }, rpc(1, "tools/list"));
      s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 1_000_000 + i, message: "no" } }), true);
      s.complete();
    }
    host.tick();
    const types = new Set([...host.metrics.values()].map((m) => /error_type=\.=([^;]*);/.exec(m.name)?.[1]).filter((t) => t !== undefined));
    expect(types.size).toBeLessThan(5);
  });
});

describe("MCP attacks: credentials and a careless operator", () => {
  // FINDING 11 (medium): the destination guard lets an MCP server's token go to a request Envoy
  // routed to ANY provider's cluster (destinationRefusal: isAnyProviderDestination), a leniency
  // meant for LLM routes that split across providers. An MCP route has exactly one backend, so it
  // can demand its own cluster. Here the route matches by path only and the client calls
  // api.openai.com: its request is on OpenAI's cluster, and the filter adds the MCP token and
  // re-points :authority at inventory:8080, which the port's route table may not hold (docs/security.md,
  // "What the guard cannot see": under ALLOW_ANY Envoy then sends it to the address the app dialled).
  it("finding 11: an MCP server's token is added only on that server's own cluster", async () => {
    const cfg = {
      requestMode: "body",
      providers: [
        { name: "openai", type: "openai", apiKeys: [{ value: "sk-openai-test" }] },
        { name: "inv", type: "mcp", host: "inventory.tools.svc.cluster.local", port: 8080, basePath: "/mcp", apiKeys: [{ value: SERVER_TOKEN }] },
      ],
      routes: [
        { name: "inventory", match: { pathPrefix: "/mcp" }, backends: [{ provider: "inv" }] },
        { name: "llm", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }] },
      ],
    };
    const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "api.openai.com" }, rpc(1, "tools/list"));
    expect(s.properties["xds.cluster_name"]).toBe("outbound|443||api.openai.com");
    expect(JSON.stringify(s.upstreamHeaders ?? [])).not.toContain(SERVER_TOKEN);
    expect(s.localResponse?.status).toBe(421);
  });

  // FINDING 20 (medium): an MCP server without basePath forwards the client's own path, any path,
  // with the server's token: a GET (never body-checked) of /admin/users, or any other API the
  // server's host serves under that credential, goes out as the mesh. Nothing at load says the
  // route then lends the token to every path on the host (no match.pathPrefix needed either).
  it("finding 20: an MCP server needs its endpoint path (basePath): its token never goes to a path a client picks", async () => {
    const cfg = {
      requestMode: "body",
      providers: [{ name: "inv", type: "mcp", host: "inventory.example.com", apiKeys: [{ value: SERVER_TOKEN }] }],
      routes: [{ name: "inventory", match: { host: "inventory.example.com" }, backends: [{ provider: "inv" }] }],
    };
    const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(false);
    expect(host.logText("error").join("\n")).toContain("providers[0].basePath: is required for type mcp");
    // With it, any client path goes to the endpoint.
    const ok = await loadFilter({ ...cfg, providers: [{ ...cfg.providers[0], basePath: "/mcp" }] }, { allowOnHeadersStopIteration: true });
    const s = ok.host.createStream();
    s.sendRequest({ ":method": "GET", ":path": "/admin/users", ":authority": "inventory.example.com" });
    expect(s.upstreamHeaders?.find(([k]) => k === ":path")?.[1]).toBe("/mcp");
  });

  // FINDING 14 (low): an MCP route that an earlier route with the same match shadows is accepted
  // silently: every MCP request then gets the LLM route's 404 (fails closed, but the allow-lists
  // the operator wrote are dead config). The reverse (an MCP route shadowing an LLM route) answers
  // model calls with JSON-RPC errors, also silently.
  it("finding 14: an MCP route no request can reach is named at config load", async () => {
    const cfg = {
      requestMode: "body",
      providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "sk-openai-test" }] }, { name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp" }],
      routes: [
        { name: "llm", match: { host: "mcp.example.com" }, backends: [{ provider: "openai" }] },
        { name: "tools", match: { host: "mcp.example.com" }, backends: [{ provider: "gh" }], mcp: { tools: ["get_*"] } },
      ],
    };
    const { host } = await loadFilter(cfg);
    expect(host.logText("warn").join("\n")).toMatch(/routes\[1\]/);
  });

  // FINDING 15 (low): consumers' lists for an MCP server no route sends to are accepted silently
  // (a typo'd or removed route leaves the operator believing a restriction is in force).
  it("finding 15: a consumer's MCP list for a server no route uses is named at config load", async () => {
    const cfg = config({}, {
      providers: [
        { name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp", apiKeys: [{ value: SERVER_TOKEN }] },
        { name: "jira", type: "mcp", host: "jira.example.com", basePath: "/mcp" },
      ],
      consumers: [{ name: "alice", keys: [alice.stored], mcp: [{ server: "jira", tools: ["get_ticket"] }] }],
    });
    const { host, configured } = await loadFilter(cfg);
    expect(configured).toBe(true);
    expect(host.logText("warn").join("\n")).toContain("jira");
  });
});

describe("MCP attacks: memory and traps", () => {
  const masked = (maxMessageBytes: number | undefined) => ({
    requestMode: "body",
    providers: [{ name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp" }],
    routes: [{ name: "tools", match: { host: "mcp.example.com" }, backends: [{ provider: "gh" }], mcp: maxMessageBytes !== undefined ? { maxMessageBytes } : {}, policy: { mask: [{ builtin: "email" }] } }],
  });
  /** A tools/call answered (SSE, 1 MiB chunks) with one text of `bytes` bytes of short e-mail addresses. */
  async function emailResult(maxMessageBytes: number | undefined, bytes: number) {
    const { host, configured } = await loadFilter(masked(maxMessageBytes), { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com" }, rpc(5, "tools/call", { name: "lookup" }));
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    const body = `data: {"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"${"a@b.co ".repeat(Math.floor(bytes / 7))}"}]}}\n\n`;
    let thrown: unknown = null;
    try {
      for (let at = 0; at < body.length; at += 1 << 20) s.sendResponseBody(body.slice(at, at + (1 << 20)), at + (1 << 20) >= body.length);
    } catch (e) { thrown = e; }
    return { host, s, thrown };
  }

  // FINDING 16 (high): the VM trapped (out of memory, proc_exit 255) on one tool result within a
  // valid config's limit: maxMessageBytes went up to 1 GiB and a result was read as a tree (about
  // 25 bytes of VM memory per byte, 100 when dense with mask matches; 44 MB under a 64 MiB limit
  // trapped). Now: at most 16 MiB, and results are read as string spans, not a tree.
  it("finding 16: a tool result within maxMessageBytes never traps the VM", async () => {
    const { host, thrown } = await emailResult(16 << 20, (16 << 20) - 256);
    expect(String(thrown ?? "")).toBe("");
    expect(host.trap).toBeNull();
  }, 120_000);

  // FINDING 17 (medium): at the old default limit (4 MiB) one tool result dense with e-mail
  // addresses grew the VM's linear memory to about 400 MiB (a plain 4 MiB answer: about 100 MiB);
  // Wasm memory never shrinks. Now the default is 1 MiB: measured (2026-12-06) 96 MiB for this SSE
  // answer dense with matches (78 as JSON), 24 MiB without matches (docs/mcp.md, "Limits").
  it("finding 17: one tool result at the default limit, dense with mask matches, does not grow the VM past 128 MiB", async () => {
    const { host, s } = await emailResult(undefined, (1 << 20) - 256);
    expect(host.trap).toBeNull();
    expect(s.downstreamBodyText()).not.toContain("a@b.co");
    expect(host.memoryBytes()).toBeLessThan(128 << 20);
  }, 60_000);
});

describe("MCP attacks: sessions", () => {
  // FINDING 18 (medium): llm-mesh replaces every caller's credential with the server's one token,
  // so the server can no longer bind an Mcp-Session-Id to a user (the MCP security best practice
  // against session hijacking); the mesh, which knows the caller, does not bind it either. Any
  // caller who learns another's session id reads that session's GET stream (results of the other
  // agent's calls, under the thief's lists) or ends it with DELETE.
  it("finding 18: a session the server opened for one consumer is refused to another", async () => {
    const bob = newKey();
    const cfg = config({}, { consumers: [
      { name: "alice", keys: [alice.stored], mcp: [{ server: "gh", tools: ["get_issue"] }] },
      { name: "bob", keys: [bob.stored], mcp: [{ server: "gh", tools: ["get_issue"] }] },
    ] });
    const { host } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    const init = host.createStream();
    init.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${bob.key}` },
      rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bob", version: "1" } }));
    init.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "mcp-session-id": "sess-bob-0001" });
    init.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "gh", version: "1" } } }), true);
    init.complete();
    for (const method of ["GET", "DELETE"]) {
      const theft = host.createStream();
      theft.sendRequest({ ":method": method, ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-session-id": "sess-bob-0001" });
      expect(theft.upstreamHeaders, method).toBeNull();
    }
  });
});

// What held (these pass on main): kept as regressions beside the findings.
describe("MCP attacks that held", () => {
  it.each([
    ["an escaped method naming tools/call", '{"jsonrpc":"2.0","id":1,"method":"tools\\/call","params":{"name":"delete_repo"}}', 200],
    ["params twice in another letter case", '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue"},"Params":{"name":"delete_repo"}}', 400],
    ["name beside a case variant NAME", '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","NAME":"delete_repo"}}', 400],
    ["a request carrying a result", '{"jsonrpc":"2.0","id":1,"method":"tools/call","result":{},"params":{"name":"get_issue"}}', 400],
    ["a name with a lone surrogate", '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue\\ud800"}}', 200],
    ["arguments nested past the scanner's depth", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","arguments":${"[".repeat(200)}${"]".repeat(200)}}}`, 400],
    ["a denied text nested deep in the arguments", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","arguments":${"[".repeat(100)}"x; DROP TABLE users"${"]".repeat(100)}}}`, 200],
  ])("refused before anything is sent: %s", async (_what, body, status) => {
    const s = await post(body);
    expect(s.upstreamHeaders).toBeNull();
    expect(s.localResponse!.status).toBe(status);
  });

  it("a 2025-03-26 batch whose ids repeat is refused whole when one call is not allowed", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, "mcp-protocol-version": "2025-03-26" },
      `[${rpc(1, "tools/call", { name: "get_issue" })},${rpc(1, "tools/call", { name: "delete_repo" })}]`);
    expect(s.upstreamHeaders).toBeNull();
    expect((json(s.localResponse!.body) as any[]).length).toBe(2);
  });

  it("a batch of 10,000 messages is refused at once", async () => {
    const s = await post(`[${Array(10_000).fill(rpc(1, "ping")).join(",")}]`);
    expect(s.localResponse!.status).toBe(400);
  });

  it.each([
    ["data without a space, CR line ends, a comment", `: hi\rdata:${TOOLS}\r\r`],
    ["data split over lines", `data: {"jsonrpc":"2.0","id":5,\ndata: "result":{"tools":[{"name":"get_issue"},{"name":"delete_repo"}]}}\n\n`],
    ["a bare data line first", `data\ndata: ${TOOLS}\n\n`],
    ["an event id kept", `id: 9\nevent: message\ndata: ${TOOLS}\n\n`],
  ])("SSE framing: %s is filtered", async (_what, body) => {
    const s = await post(rpc(5, "tools/list"));
    const out = answer(s, "text/event-stream", ...body.split("").reduce((acc: string[], c, i) => (i % 7 === 0 ? acc.push(c) : (acc[acc.length - 1] += c), acc), []));
    expect(out).toContain("get_issue");
    expect(out).not.toContain("delete_repo");
  });

  it.each([
    ["a page with nextCursor", { tools: [{ name: "delete_repo" }], nextCursor: "abc" }],
    ["an answer id as a string", { tools: [{ name: "delete_repo" }] }],
    ["tools beside content in a call's result", { content: [], tools: [{ name: "delete_repo" }] }],
    ["a repeated name in an item", null],
  ])("list answers: %s is filtered", async (what, result) => {
    const s = await post(rpc(5, "tools/list"));
    const body = result === null ? '{"jsonrpc":"2.0","id":5,"result":{"tools":[{"name":"get_issue","name":"delete_repo"}]}}'
      : JSON.stringify({ jsonrpc: "2.0", id: what.includes("string") ? "5" : 5, result });
    expect(answer(s, "application/json", body)).not.toContain("delete_repo");
  });

  it("the server's token echoed in an SSE event split inside the token is redacted", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }));
    const text = `data: {"jsonrpc":"2.0","id":2,"result":{"content":[{"type":"text","text":"${SERVER_TOKEN}"}]}}\n\n`;
    const cut = text.indexOf(SERVER_TOKEN) + 5;
    expect(answer(s, "text/event-stream", text.slice(0, cut), text.slice(cut))).not.toContain(SERVER_TOKEN);
  });

  it("a caller's key and cookie do not reach a server that has no key of its own; GET loses the query string", async () => {
    const cfg = config({}, { providers: [{ name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp" }] });
    const { host } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "GET", ":path": "/mcp?token=abc", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}`, cookie: "sid=1" });
    const sent = JSON.stringify(s.upstreamHeaders);
    expect(sent).not.toContain(alice.key);
    expect(sent).not.toContain("sid=1");
    expect(sent).not.toContain("token=abc");
  });
});
